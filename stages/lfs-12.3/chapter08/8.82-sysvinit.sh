# @unpack: sysvinit-3.14.tar.xz
# @uses: sysvinit-3.14-consolidated-1.patch
patch -Np1 -i ../sysvinit-3.14-consolidated-1.patch

make

make install
