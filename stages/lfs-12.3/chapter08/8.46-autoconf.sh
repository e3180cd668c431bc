# @unpack: autoconf-2.72.tar.xz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
