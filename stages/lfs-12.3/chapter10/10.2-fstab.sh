# lfs-docker: the book's file starts with the root partition (/dev/<xxx>, type <fff>, checked by fsck)
# and a swap partition. The ISO has neither: its root file system is an overlay (a tmpfs over the
# system's squashfs) that the initramfs mounts before it starts init, and there is no swap. Those two
# lines are replaced by a comment saying so; with no entry for /, nothing is checked by fsck at boot,
# and remounting / (the System V mountfs script, systemd-remount-fs) works from the mount table. The
# System V edition's lines for the virtual kernel file systems are kept as the book has them.
{{#sysv}}
cat > /etc/fstab << "EOF"
# Begin /etc/fstab

# file system  mount-point    type     options             dump  fsck
#                                                                order

# lfs-docker: / is an overlay (tmpfs over squashfs) set up by the initramfs; no swap
proc           /proc          proc     nosuid,noexec,nodev 0     0
sysfs          /sys           sysfs    nosuid,noexec,nodev 0     0
devpts         /dev/pts       devpts   gid=5,mode=620      0     0
tmpfs          /run           tmpfs    defaults            0     0
devtmpfs       /dev           devtmpfs mode=0755,nosuid    0     0
tmpfs          /dev/shm       tmpfs    nosuid,nodev        0     0
cgroup2        /sys/fs/cgroup cgroup2  nosuid,noexec,nodev 0     0

# End /etc/fstab
EOF
{{/sysv}}
{{#systemd}}
cat > /etc/fstab << "EOF"
# Begin /etc/fstab

# file system  mount-point  type     options             dump  fsck
#                                                              order

# lfs-docker: / is an overlay (tmpfs over squashfs) set up by the initramfs; no swap

# End /etc/fstab
EOF
{{/systemd}}
