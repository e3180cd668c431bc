# @unpack: libxcrypt-4.4.38.tar.xz
./configure --prefix=/usr                \
            --enable-hashes=strong,glibc \
            --enable-obsolete-api=no     \
            --disable-static             \
            --disable-failure-tokens

make

{{#tests}}
make check
{{/tests}}

make install
