# lfs-docker: no `grub-install /dev/sda`: there is no disk. The iso-builder stage makes the ISO's BIOS
# and EFI boot images itself. This section still writes the book's /boot/grub/grub.cfg, adapted to
# the live ISO; grub-install would have created /boot/grub, so it is created here.
mkdir -pv /boot/grub

# lfs-docker: adaptations of the book's grub.cfg to the live ISO:
# - the kernel is on the ISO's ISO 9660 file system, not on ext4 partition 2 of the first disk: the
#   module is iso9660 instead of ext2, and `search --file` (the book mentions `search --set=root`
#   as the robust choice) finds the device instead of `set root=(hd0,2)`;
# - no root=/dev/sda2 ro: the initramfs (initrd line) builds the root file system, a writable
#   overlay over the system's squashfs, so there is nothing to mount read-only and check;
# - console=tty0 console=ttyS0,115200: kernel messages on the screen and on the serial line, the
#   serial line last so it is /dev/console (boot messages and a login when booted without a screen);
# - System V edition: net.ifnames=0 (9.4), so that the network card is the eth0 of 9.5.
cat > /boot/grub/grub.cfg << "EOF"
# Begin /boot/grub/grub.cfg
set default=0
set timeout=5

insmod part_gpt
insmod iso9660
search --no-floppy --set=root --file /boot/vmlinuz-6.13.4-lfs-12.3{{#systemd}}-systemd{{/systemd}}
set gfxpayload=1024x768x32

menuentry "GNU/Linux, Linux 6.13.4-lfs-12.3{{#systemd}}-systemd{{/systemd}}" {
        linux   /boot/vmlinuz-6.13.4-lfs-12.3{{#systemd}}-systemd{{/systemd}} rw console=tty0 console=ttyS0,115200{{#sysv}} net.ifnames=0{{/sysv}}
        initrd  /boot/initrd.img
}
EOF

# lfs-docker: the serial port of QEMU's aarch64 "virt" machine is a PL011, named ttyAMA0, not ttyS0.
case $(uname -m) in
  aarch64) sed -i 's/console=ttyS0,/console=ttyAMA0,/' /boot/grub/grub.cfg ;;
esac
