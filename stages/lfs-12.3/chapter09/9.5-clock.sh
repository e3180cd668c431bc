# lfs-docker: nothing to run. The book's /etc/adjtime (with LOCAL) is only for a hardware clock that
# keeps local time; without that file systemd-timedated takes the hardware clock to be in UTC, which
# is what QEMU's emulated clock keeps by default and what the System V edition's /etc/sysconfig/clock
# (UTC=1) says too. The timedatectl and systemctl commands here are optional and need a booted system.
