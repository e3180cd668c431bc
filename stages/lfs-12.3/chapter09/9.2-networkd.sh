# lfs-docker: the book's command for this section writes a static address (10-eth-static.network with
# Name=<network-device-name>); it also shows a DHCP file. The ISO boots on machines and virtual machines
# whose network is not known in advance (QEMU user networking hands out 10.0.2.15 by DHCP), so the
# book's DHCP example is used, matching the names udev gives Ethernet cards (en*) and the classic
# kernel names (eth*, with net.ifnames=0).
cat > /etc/systemd/network/10-eth-dhcp.network << "EOF"
[Match]
Name=en* eth*

[Network]
DHCP=ipv4

[DHCPv4]
UseDomains=true
EOF

# lfs-docker: no /etc/resolv.conf: as the book says, systemd-resolved creates it (a symlink to
# /run/systemd/resolve/stub-resolv.conf) at boot when it does not exist.

# lfs-docker: the engine bind-mounts its own /etc/hostname into every RUN, so the book's file is
# written as /etc/hostname.lfs; the iso-builder stage moves it into place.
echo "{{config.hostname}}" > /etc/hostname.lfs

# lfs-docker: /etc/hosts is bind-mounted by the engine too: written as /etc/hosts.lfs. The book's
# "<192.168.0.2> <FQDN> [alias1] [alias2] ..." line is left out, as the book allows for a
# connection configured with DHCP (localhost and the host name come from nss-myhostname).
cat > /etc/hosts.lfs << "EOF"
# Begin /etc/hosts

::1       ip6-localhost ip6-loopback
ff02::1   ip6-allnodes
ff02::2   ip6-allrouters

# End /etc/hosts
EOF
