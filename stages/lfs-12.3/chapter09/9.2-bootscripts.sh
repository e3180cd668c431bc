# @unpack: lfs-bootscripts-20240825.tar.xz
make install
