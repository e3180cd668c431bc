# @unpack: bc-7.0.3.tar.xz
CC=gcc ./configure --prefix=/usr -G -O3 -r

make

{{#tests}}
make test
{{/tests}}

make install
