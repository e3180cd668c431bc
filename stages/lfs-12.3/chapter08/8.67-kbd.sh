# @unpack: kbd-2.7.1.tar.xz
# @uses: kbd-2.7.1-backspace-1.patch
patch -Np1 -i ../kbd-2.7.1-backspace-1.patch

sed -i '/RESIZECONS_PROGS=/s/yes/no/' configure
sed -i 's/resizecons.8 //' docs/man/man8/Makefile.in

./configure --prefix=/usr --disable-vlock

make

{{#tests}}
make check
{{/tests}}

make install

cp -R -v docs/doc -T /usr/share/doc/kbd-2.7.1
