# The root file system of the new system, in $LFS on the build machine (as the book's 4.2 does).
mkdir -pv $LFS/{boot,dev,etc/init.d,home,mnt,proc,root,run,sys,tmp,var/log}
chmod -v 0750 $LFS/root
chmod -v 1777 $LFS/tmp
