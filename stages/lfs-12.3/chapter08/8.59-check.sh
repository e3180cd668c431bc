# @unpack: check-0.15.2.tar.gz
./configure --prefix=/usr --disable-static

make

{{#tests}}
make check
{{/tests}}

make docdir=/usr/share/doc/check-0.15.2 install
