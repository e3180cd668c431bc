# @user: root
mkdir -pv $LFS/{etc,var} $LFS/usr/{bin,lib,sbin}

for i in bin lib sbin; do
  ln -sv usr/$i $LFS/$i
done

# lfs-docker: the book tests $(uname -m), the build machine; here the target may differ from it.
case $LFS_ARCH in
  x86_64) mkdir -pv $LFS/lib64 ;;
esac

mkdir -pv $LFS/tools

# lfs-docker: chapter 3 makes $LFS/sources world-writable and sticky; here it is the mount point of
# the tmpfs in which each section unpacks and builds, so it is created now, empty, and stays empty.
mkdir -pv $LFS/sources
chmod -v a+wt $LFS/sources
