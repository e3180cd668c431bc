# @unpack: busybox-1.37.0.tar.bz2
# @user: root
# BusyBox, linked statically with the build machine's C library: the whole user space of the test
# system (shell, init, getty, login, core utilities) in one program.
make defconfig
sed -i 's/^# CONFIG_STATIC is not set$/CONFIG_STATIC=y/' .config
# The tc applet does not build against recent kernel headers (CBQ was removed from them).
sed -i 's/^CONFIG_TC=y$/# CONFIG_TC is not set/' .config
make oldconfig </dev/null >/dev/null
grep -qx 'CONFIG_STATIC=y' .config
make
make CONFIG_PREFIX=$LFS install
rm -f $LFS/linuxrc
