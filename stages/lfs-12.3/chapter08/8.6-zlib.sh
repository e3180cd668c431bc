# @unpack: zlib-1.3.1.tar.gz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install

rm -fv /usr/lib/libz.a
