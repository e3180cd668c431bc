# @unpack: gettext-0.24.tar.xz
./configure --prefix=/usr    \
            --disable-static \
            --docdir=/usr/share/doc/gettext-0.24

make

{{#tests}}
make check
{{/tests}}

make install
chmod -v 0755 /usr/lib/preloadable_libintl.so
