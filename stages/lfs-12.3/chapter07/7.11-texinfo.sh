# @unpack: texinfo-7.2.tar.xz
./configure --prefix=/usr

make

make install
