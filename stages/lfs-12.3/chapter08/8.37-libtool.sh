# @unpack: libtool-2.5.4.tar.xz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install

rm -fv /usr/lib/libltdl.a
