# @unpack: busybox-1.37.0.tar.bz2
# @user: root
# BusyBox, linked statically: the whole user space of the test system (shell, init, getty, login, core
# utilities) in one program. For another architecture than the build machine's, Debian's cross
# compiler (in the cross base image) builds it.
if [ "$LFS_ARCH" != "$(uname -m)" ]; then export CROSS_COMPILE=$LFS_ARCH-linux-gnu-; fi
make defconfig
sed -i 's/^# CONFIG_STATIC is not set$/CONFIG_STATIC=y/' .config
# The tc applet does not build against recent kernel headers (CBQ was removed from them), and the
# x86 SHA-NI code of 1.37 is referenced on other architectures too (an undeclared function on aarch64).
sed -i -e 's/^CONFIG_TC=y$/# CONFIG_TC is not set/' \
       -e 's/^CONFIG_SHA1_HWACCEL=y$/# CONFIG_SHA1_HWACCEL is not set/' \
       -e 's/^CONFIG_SHA256_HWACCEL=y$/# CONFIG_SHA256_HWACCEL is not set/' .config
make oldconfig </dev/null >/dev/null
grep -qx 'CONFIG_STATIC=y' .config
make
make CONFIG_PREFIX=$LFS install
rm -f $LFS/linuxrc
