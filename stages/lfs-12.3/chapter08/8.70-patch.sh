# @unpack: patch-2.7.6.tar.xz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
