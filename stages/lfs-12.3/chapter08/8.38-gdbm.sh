# @unpack: gdbm-1.24.tar.gz
./configure --prefix=/usr    \
            --disable-static \
            --enable-libgdbm-compat

make

{{#tests}}
make check
{{/tests}}

make install
