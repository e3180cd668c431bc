# @secret: root_password
# Init, login and the release files. The root password comes from the root_password build secret, as in
# the book's 8.28; without it, it is `lfs`.
if [ -s /run/secrets/root_password ]; then
  printf 'root:%s\n' "$(cat /run/secrets/root_password)" | chpasswd
else
  echo 'root:lfs' | chpasswd
fi

cat > /etc/inittab << "EOF"
::sysinit:/etc/init.d/rcS
{{arch.serialConsole}}::respawn:/sbin/getty -L 115200 {{arch.serialConsole}} vt100
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
EOF

cat > /etc/init.d/rcS << "EOF"
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
hostname -F /etc/hostname
echo "lfs-docker test book: system up, $(uname -sr)"
EOF
chmod 0755 /etc/init.d/rcS

cat > /etc/profile << "EOF"
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
PS1='\u@\h:\w\$ '
EOF

# As in the book: /etc/hostname and /etc/hosts are written under *.lfs names, because the engine
# manages those files during a build; the iso-builder puts them in place.
echo "{{config.hostname}}" > /etc/hostname.lfs
cat > /etc/hosts.lfs << "EOF"
127.0.0.1 localhost
127.0.1.1 {{config.hostname}}.{{config.domain}} {{config.hostname}}
EOF

cat > /etc/os-release << "EOF"
NAME="{{book.title}}"
VERSION="{{book.release}}"
ID=lfs-docker-test
PRETTY_NAME="{{book.title}} {{book.release}} ({{arch.name}})"
VERSION_CODENAME="{{config.codename}}"
EOF
