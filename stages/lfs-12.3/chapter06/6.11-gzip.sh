# @unpack: gzip-1.13.tar.xz
./configure --prefix=/usr --host=$LFS_TGT

make

make DESTDIR=$LFS install
