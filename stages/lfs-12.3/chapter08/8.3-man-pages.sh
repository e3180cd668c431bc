# @unpack: man-pages-6.12.tar.xz
rm -v man3/crypt*

make -R GIT=false prefix=/usr install
