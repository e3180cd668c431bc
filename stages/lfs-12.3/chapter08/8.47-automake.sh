# @unpack: automake-1.17.tar.xz
./configure --prefix=/usr --docdir=/usr/share/doc/automake-1.17

make

{{#tests}}
make -j$(($(nproc)>4?$(nproc):4)) check
{{/tests}}

make install
