# @unpack: gzip-1.13.tar.xz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
