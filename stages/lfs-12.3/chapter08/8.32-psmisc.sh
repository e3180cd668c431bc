# @unpack: psmisc-23.7.tar.xz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
