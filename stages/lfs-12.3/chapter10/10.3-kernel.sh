# @unpack: linux-6.13.4.tar.xz
make mrproper

# lfs-docker: the book configures the kernel interactively with `make menuconfig`, from the good
# starting point it suggests, `make defconfig`, setting the options it lists. Here defconfig is the
# start, and the options are a fragment merged with the kernel's own merge_config.sh: the book's
# required options for this edition and those a live ISO needs to boot without modules (see
# stages/lfs-12.3/kernel.config), followed by the user's own fragment, whose values win. Then
# olddefconfig settles the dependencies.
make defconfig
cat > lfs-docker.config << "EOF"
{{config.kernelFragment}}
EOF
scripts/kconfig/merge_config.sh -m .config lfs-docker.config
make olddefconfig

# lfs-docker: like merge_config.sh does when it runs make itself, name the options of the fragment that
# did not make it into the final .config (an unmet dependency, or an option of another architecture,
# such as X86_X2APIC on aarch64). A warning only.
# Only the last value given for an option counts (the user's fragment comes after the default one).
awk '/^CONFIG_[A-Za-z0-9_]*=/ { split($0, a, "="); last[a[1]] = $0 }
     /^# CONFIG_[A-Za-z0-9_]* is not set$/ { last[$2] = "" }
     END { for (k in last) if (last[k] != "") print last[k] }' lfs-docker.config |
while read -r opt; do
  grep -qxF -- "$opt" .config || echo "lfs-docker: warning: $opt is not in the final .config" >&2
done

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
