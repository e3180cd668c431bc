# @unpack: shadow-4.17.3.tar.xz
# @secret: root_password
sed -i 's/groups$(EXEEXT) //' src/Makefile.in
find man -name Makefile.in -exec sed -i 's/groups\.1 / /'   {} \;
find man -name Makefile.in -exec sed -i 's/getspnam\.3 / /' {} \;
find man -name Makefile.in -exec sed -i 's/passwd\.5 / /'   {} \;

sed -e 's:#ENCRYPT_METHOD DES:ENCRYPT_METHOD YESCRYPT:' \
    -e 's:/var/spool/mail:/var/mail:'                   \
    -e '/PATH=/{s@/sbin:@@;s@/bin:@@}'                  \
    -i etc/login.defs

touch /usr/bin/passwd
./configure --sysconfdir=/etc   \
            --disable-static    \
            --with-{b,yes}crypt \
            --without-libbsd    \
            --with-group-name-max-length=32

make

make exec_prefix=/usr install
make -C man install-man

pwconv

grpconv

mkdir -p /etc/default
useradd -D --gid 999

sed -i '/MAIL/s/yes/no/' /etc/default/useradd

# lfs-docker: the book runs `passwd root`, which asks for the password twice. Nothing is interactive
# here: the password is read from the root_password build secret, and when no secret is given it is
# `lfs`, the documented default (change it after the first login). chpasswd hashes it with the
# ENCRYPT_METHOD (YESCRYPT) set in /etc/login.defs above.
if [ -s /run/secrets/root_password ]; then
  printf 'root:%s\n' "$(cat /run/secrets/root_password)" | chpasswd
else
  echo 'root:lfs' | chpasswd
fi
