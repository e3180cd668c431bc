# @unpack: less-668.tar.gz
./configure --prefix=/usr --sysconfdir=/etc

make

{{#tests}}
make check
{{/tests}}

make install
