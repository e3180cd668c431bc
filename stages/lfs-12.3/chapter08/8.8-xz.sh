# @unpack: xz-5.6.4.tar.xz
./configure --prefix=/usr    \
            --disable-static \
            --docdir=/usr/share/doc/xz-5.6.4

make

{{#tests}}
make check
{{/tests}}

make install
