# @unpack: grep-3.11.tar.xz
sed -i "s/echo/#echo/" src/egrep.sh

./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
