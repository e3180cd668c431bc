# In the new root (FROM scratch + the directory built on the host): from here on, only BusyBox runs,
# on the target's platform (natively, or under QEMU user emulation). Which machine that was is kept.
busybox | sed -n 1p   # sed reads to the end: `head` could close the pipe early (SIGPIPE under pipefail)
uname -m > /etc/lfs-docker-toolchain-machine
cat > /etc/passwd << "EOF"
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:Unprivileged User:/dev/null:/bin/false
EOF
cat > /etc/group << "EOF"
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
echo 'root:*:19000:0:99999:7:::' > /etc/shadow
chmod 0600 /etc/shadow
