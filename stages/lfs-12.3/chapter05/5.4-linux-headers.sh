# @unpack: linux-6.13.4.tar.xz
make mrproper

make headers
find usr/include -type f ! -name '*.h' -delete
cp -rv usr/include $LFS/usr
