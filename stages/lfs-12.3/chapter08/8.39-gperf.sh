# @unpack: gperf-3.1.tar.gz
./configure --prefix=/usr --docdir=/usr/share/doc/gperf-3.1

make

{{#tests}}
make -j1 check
{{/tests}}

make install
