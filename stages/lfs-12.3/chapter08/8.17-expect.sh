# @unpack: expect5.45.4.tar.gz
# @uses: expect-5.45.4-gcc14-1.patch
{{#tests}}
# The book's check that PTYs work (it should print "ok"), needed by the test suites that use Expect.
python3 -c 'from pty import spawn; spawn(["echo", "ok"])'
{{/tests}}

patch -Np1 -i ../expect-5.45.4-gcc14-1.patch

./configure --prefix=/usr           \
            --with-tcl=/usr/lib     \
            --enable-shared         \
            --disable-rpath         \
            --mandir=/usr/share/man \
            --with-tclinclude=/usr/include

make

{{#tests}}
make test
{{/tests}}

make install
ln -svf expect5.45.4/libexpect5.45.4.so /usr/lib
