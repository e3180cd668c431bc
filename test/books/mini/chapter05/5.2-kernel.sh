# @unpack: linux-6.12.107.tar.xz
# @user: root
# The kernel, on the build machine, cross-compiled for another architecture (Debian's cross compiler).
# The configuration goes through the same template as the book's 10.3, from `make tinyconfig` (the
# smallest kernel) plus this book's kernel.config: what it takes to boot the live ISO under QEMU, and
# nothing more, so that it builds in minutes.
if [ "$LFS_ARCH" != "$(uname -m)" ]; then
  export ARCH={{arch.kernelArch}} CROSS_COMPILE=$LFS_ARCH-linux-gnu-
fi
{{> kernel-config base="tinyconfig"}}

make

cp -v {{arch.kernelImage}} $LFS/boot/vmlinuz-6.12.107-test
cp -v .config $LFS/boot/config-6.12.107-test
