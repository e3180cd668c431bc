# @unpack: libffi-3.4.7.tar.gz
./configure --prefix=/usr          \
            --disable-static       \
            --with-gcc-arch=native

make

{{#tests}}
make check
{{/tests}}

make install
