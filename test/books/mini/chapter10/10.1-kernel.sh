# @unpack: linux-6.12.107.tar.xz
# @stage: kernel
# The kernel, in the kernel stage (on the build machine), cross-compiled for another architecture with
# Debian's cross compiler; installed below $LFS_KERNEL_ROOT, which the system stage copies to /.
# The configuration goes through the same template as the book's 10.3, from `make tinyconfig` (the
# smallest kernel) plus this book's kernel.config: what it takes to boot the live ISO under QEMU, and
# nothing more, so that it builds in minutes.
if [ "$LFS_ARCH" != "$(uname -m)" ]; then
  export ARCH={{arch.kernelArch}} CROSS_COMPILE=$LFS_ARCH-linux-gnu-
fi
{{> kernel-config base="tinyconfig"}}

make

install -v -d -m755 $LFS_KERNEL_ROOT/boot
cp -v {{arch.kernelImage}} $LFS_KERNEL_ROOT/boot/vmlinuz-6.12.107-test
cp -v .config $LFS_KERNEL_ROOT/boot/config-6.12.107-test
