# @unpack: linux-6.13.4.tar.xz
make mrproper

{{> kernel-config base="defconfig"}}

make

make modules_install

# lfs-docker: the book's command assumes an x86 kernel (arch/x86/boot/bzImage); where `make` leaves the
# image depends on the architecture (aarch64 and riscv64: the uncompressed Image, which is also the
# image their EFI stub and GRUB boot).
case $(uname -m) in
  x86_64|i?86) cp -iv arch/x86/boot/bzImage   /boot/vmlinuz-6.13.4-lfs-12.3{{#systemd}}-systemd{{/systemd}} ;;
  aarch64)     cp -iv arch/arm64/boot/Image   /boot/vmlinuz-6.13.4-lfs-12.3{{#systemd}}-systemd{{/systemd}} ;;
  riscv64)     cp -iv arch/riscv/boot/Image   /boot/vmlinuz-6.13.4-lfs-12.3{{#systemd}}-systemd{{/systemd}} ;;
  *) echo "lfs-docker: no kernel image path known for $(uname -m)" >&2; exit 1 ;;
esac

cp -iv System.map /boot/System.map-6.13.4

cp -iv .config /boot/config-6.13.4

cp -r Documentation -T /usr/share/doc/linux-6.13.4

install -v -m755 -d /etc/modprobe.d
cat > /etc/modprobe.d/usb.conf << "EOF"
# Begin /etc/modprobe.d/usb.conf

install ohci_hcd /sbin/modprobe ehci_hcd ; /sbin/modprobe -i ohci_hcd ; true
install uhci_hcd /sbin/modprobe ehci_hcd ; /sbin/modprobe -i uhci_hcd ; true

# End /etc/modprobe.d/usb.conf
EOF
