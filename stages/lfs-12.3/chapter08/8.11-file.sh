# @unpack: file-5.46.tar.gz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
