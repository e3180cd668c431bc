# lfs-docker: the book's "<your name here>" is the codename chosen for this build. The version
# strings are those of the released 12.3 book (12.3, or 12.3-systemd for the systemd edition),
# and RELEASE_TYPE is "stable", as for a release.
echo 12.3{{#systemd}}-systemd{{/systemd}} > /etc/lfs-release

cat > /etc/lsb-release << "EOF"
DISTRIB_ID="Linux From Scratch"
DISTRIB_RELEASE="12.3{{#systemd}}-systemd{{/systemd}}"
DISTRIB_CODENAME="{{config.codename}}"
DISTRIB_DESCRIPTION="Linux From Scratch"
EOF

cat > /etc/os-release << "EOF"
NAME="Linux From Scratch"
VERSION="12.3{{#systemd}}-systemd{{/systemd}}"
ID=lfs
PRETTY_NAME="Linux From Scratch 12.3{{#systemd}}-systemd{{/systemd}}"
VERSION_CODENAME="{{config.codename}}"
HOME_URL="https://www.linuxfromscratch.org/lfs/"
RELEASE_TYPE="stable"
EOF
