# lfs-docker: the book's example values (192.168.1.2, gateway 192.168.1.1) are replaced by those of
# QEMU's user-mode network ("slirp"): the guest is 10.0.2.15/24, the gateway 10.0.2.2 and the DNS
# server 10.0.2.3. The interface is eth0 because the ISO's kernel command line has net.ifnames=0
# (see 9.4 and 10.4); on other networks, edit this file or use DHCP from BLFS.
cd /etc/sysconfig/
cat > ifconfig.eth0 << "EOF"
ONBOOT=yes
IFACE=eth0
SERVICE=ipv4-static
IP=10.0.2.15
GATEWAY=10.0.2.2
PREFIX=24
BROADCAST=10.0.2.255
EOF

# lfs-docker: the engine bind-mounts its own /etc/resolv.conf into every RUN, so the book's file is
# written as /etc/resolv.conf.lfs; the iso-builder stage moves it into place. The name server is
# QEMU's (10.0.2.3); the book's second nameserver line is dropped, as it allows.
cat > /etc/resolv.conf.lfs << "EOF"
# Begin /etc/resolv.conf

domain {{config.domain}}
nameserver 10.0.2.3

# End /etc/resolv.conf
EOF

# lfs-docker: /etc/hostname is bind-mounted by the engine too: written as /etc/hostname.lfs.
echo "{{config.hostname}}" > /etc/hostname.lfs

# lfs-docker: /etc/hosts is bind-mounted by the engine too: written as /etc/hosts.lfs (this replaces
# the temporary one of 7.6). The optional aliases are left out.
cat > /etc/hosts.lfs << "EOF"
# Begin /etc/hosts

127.0.0.1 localhost.localdomain localhost
127.0.1.1 {{config.hostname}}.{{config.domain}} {{config.hostname}}
10.0.2.15 {{config.hostname}}.{{config.domain}} {{config.hostname}}
::1       localhost ip6-localhost ip6-loopback
ff02::1   ip6-allnodes
ff02::2   ip6-allrouters

# End /etc/hosts
EOF
