# lfs-docker: nothing to run. The only command of this section the book means to be run is the
# System V edition's `bash /usr/lib/udev/init-net-rules.sh`, which writes
# /etc/udev/rules.d/70-persistent-net.rules from the network cards it finds: here those would be the
# build container's, not the cards of the machine that boots the ISO, so it is skipped. The System V
# edition gets the classic eth0 name from net.ifnames=0 on the kernel command line instead (the
# other method this section gives; see 10.4). Everything else here (CD-ROM symlink modes, rules for
# duplicate devices) is an optional example.
