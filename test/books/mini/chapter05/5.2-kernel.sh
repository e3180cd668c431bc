# @unpack: linux-6.12.107.tar.xz
# @user: root
# The kernel, on the build machine. The configuration goes through the same template as the book's
# 10.3, from `make tinyconfig` (the smallest kernel) plus this book's kernel.config: what it takes to
# boot the live ISO under QEMU with BIOS and UEFI, and nothing more, so that it builds in minutes.
{{> kernel-config base="tinyconfig"}}

make

case $LFS_ARCH in
  x86_64) cp -v arch/x86/boot/bzImage $LFS/boot/vmlinuz-6.12.107-test ;;
  *) echo "the test book has no kernel image path for $LFS_ARCH" >&2; exit 1 ;;
esac
cp -v .config $LFS/boot/config-6.12.107-test
