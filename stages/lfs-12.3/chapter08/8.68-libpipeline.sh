# @unpack: libpipeline-1.5.8.tar.gz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
