# @unpack: linux-6.13.4.tar.xz
# @stage: kernel
# lfs-docker: the book compiles the kernel inside the new system, with its final GCC. Here the section
# runs in the kernel stage, on the build machine, with the cross compiler of chapter 5 (the same GCC
# and Binutils releases, built for $LFS_TGT): no emulation when the target is another architecture.
# ARCH names the kernel's architecture directory; CROSS_COMPILE the prefix of the target's tools.
export ARCH={{arch.kernelArch}} CROSS_COMPILE=$LFS_TGT-

make mrproper

{{> kernel-config base="defconfig"}}

make

# lfs-docker: the book installs into the system it runs in; here everything goes below
# $LFS_KERNEL_ROOT, which the system stage copies to / at this section's place. There, as in the
# final system (4.2), lib is a symbolic link to usr/lib, so that the modules land in usr/lib/modules
# and the copy leaves the system's /lib link as it is.
install -v -d -m755 $LFS_KERNEL_ROOT/usr/lib
ln -sv usr/lib $LFS_KERNEL_ROOT/lib
make INSTALL_MOD_PATH=$LFS_KERNEL_ROOT modules_install

# lfs-docker: the book's command copies arch/x86/boot/bzImage; the image `make` leaves for the target
# architecture is {{arch.kernelImage}} (aarch64 and riscv64: the uncompressed Image, which is also
# what their EFI stub and GRUB boot).
install -v -d -m755 $LFS_KERNEL_ROOT/boot
cp -iv {{arch.kernelImage}} $LFS_KERNEL_ROOT/boot/vmlinuz-6.13.4-lfs-12.3{{#systemd}}-systemd{{/systemd}}

cp -iv System.map $LFS_KERNEL_ROOT/boot/System.map-6.13.4

cp -iv .config $LFS_KERNEL_ROOT/boot/config-6.13.4

install -v -d -m755 $LFS_KERNEL_ROOT/usr/share/doc
cp -r Documentation -T $LFS_KERNEL_ROOT/usr/share/doc/linux-6.13.4

install -v -m755 -d $LFS_KERNEL_ROOT/etc/modprobe.d
cat > $LFS_KERNEL_ROOT/etc/modprobe.d/usb.conf << "EOF"
# Begin /etc/modprobe.d/usb.conf

install ohci_hcd /sbin/modprobe ehci_hcd ; /sbin/modprobe -i ohci_hcd ; true
install uhci_hcd /sbin/modprobe ehci_hcd ; /sbin/modprobe -i uhci_hcd ; true

# End /etc/modprobe.d/usb.conf
EOF
