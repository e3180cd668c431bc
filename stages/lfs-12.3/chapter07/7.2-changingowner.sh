# @user: root
# @stage: host
chown --from lfs -R root:root $LFS/{usr,lib,var,etc,bin,sbin,tools}
# lfs-docker: $LFS_ARCH, not $(uname -m): see 4.2.
case $LFS_ARCH in
  x86_64) chown --from lfs -R root:root $LFS/lib64 ;;
esac
