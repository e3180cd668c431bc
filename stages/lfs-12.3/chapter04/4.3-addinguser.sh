# @user: root
groupadd lfs
useradd -s /bin/bash -g lfs -m -k /dev/null lfs

# lfs-docker: no `passwd lfs` and no `su - lfs`: the Dockerfile switches to the lfs user with USER.

chown -v lfs $LFS/{usr{,/*},var,etc,tools}
# lfs-docker: $LFS_ARCH, not $(uname -m): see 4.2.
case $LFS_ARCH in
  x86_64) chown -v lfs $LFS/lib64 ;;
esac
