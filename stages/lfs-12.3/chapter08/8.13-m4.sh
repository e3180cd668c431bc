# @unpack: m4-1.4.19.tar.xz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
