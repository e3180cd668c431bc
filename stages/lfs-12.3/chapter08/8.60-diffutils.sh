# @unpack: diffutils-3.11.tar.xz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
