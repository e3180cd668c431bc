# @unpack: linux-6.13.4.tar.xz
make mrproper

# lfs-docker: the book runs on a machine of the target's architecture, where `make` takes the headers
# of that architecture; here the build machine may be another one (chapter 5 runs on $BUILDPLATFORM),
# so ARCH names the target's. Without it an aarch64 build gets x86 headers and glibc fails in 5.5.
make ARCH={{arch.kernelArch}} headers
find usr/include -type f ! -name '*.h' -delete
cp -rv usr/include $LFS/usr
