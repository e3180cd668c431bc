# @unpack: bison-3.8.2.tar.xz
./configure --prefix=/usr --docdir=/usr/share/doc/bison-3.8.2

make

{{#tests}}
make check
{{/tests}}

make install
