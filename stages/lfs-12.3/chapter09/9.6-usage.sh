# lfs-docker: one line is added to the book's /etc/inittab (it says so in the file): a login prompt
# on the first serial port at 115200 baud, next to the six virtual consoles, so that the ISO booted
# without a screen (QEMU -nographic; its kernel command line has console=ttyS0,115200) offers a login
# on the serial line.
cat > /etc/inittab << "EOF"
# Begin /etc/inittab

id:3:initdefault:

si::sysinit:/etc/rc.d/init.d/rc S

l0:0:wait:/etc/rc.d/init.d/rc 0
l1:S1:wait:/etc/rc.d/init.d/rc 1
l2:2:wait:/etc/rc.d/init.d/rc 2
l3:3:wait:/etc/rc.d/init.d/rc 3
l4:4:wait:/etc/rc.d/init.d/rc 4
l5:5:wait:/etc/rc.d/init.d/rc 5
l6:6:wait:/etc/rc.d/init.d/rc 6

ca:12345:ctrlaltdel:/sbin/shutdown -t1 -a -r now

su:S06:once:/sbin/sulogin
s1:1:respawn:/sbin/sulogin

1:2345:respawn:/sbin/agetty --noclear tty1 9600
2:2345:respawn:/sbin/agetty tty2 9600
3:2345:respawn:/sbin/agetty tty3 9600
4:2345:respawn:/sbin/agetty tty4 9600
5:2345:respawn:/sbin/agetty tty5 9600
6:2345:respawn:/sbin/agetty tty6 9600

# lfs-docker addition: a login on the serial console, for a machine booted without a screen
S0:2345:respawn:/sbin/agetty ttyS0 115200 vt102

# End /etc/inittab
EOF

# lfs-docker: the serial port of QEMU's aarch64 "virt" machine is a PL011, named ttyAMA0, not ttyS0.
case $(uname -m) in
  aarch64) sed -i 's/ ttyS0 / ttyAMA0 /' /etc/inittab ;;
esac

cat > /etc/sysconfig/clock << "EOF"
# Begin /etc/sysconfig/clock

UTC=1

# Set this to any options you might need to give to hwclock,
# such as machine hardware clock type for Alphas.
CLOCKPARAMS=

# End /etc/sysconfig/clock
EOF

# lfs-docker: the book's examples of /etc/sysconfig/console are for particular languages (the one
# meant to be run is Bulgarian). This is the book's general setting (UNICODE="1", for the C.UTF-8
# locale the console uses, see 9.7, and the Lat2-Terminus16 font it recommends) with the keymap
# chosen for this build.
cat > /etc/sysconfig/console << "EOF"
# Begin /etc/sysconfig/console

UNICODE="1"
KEYMAP="{{config.keymap}}"
FONT="Lat2-Terminus16"

# End /etc/sysconfig/console
EOF

# The book's /etc/sysconfig/rc.site is the default one that 9.2 (make install of LFS-Bootscripts)
# installed; the book only shows its content.
