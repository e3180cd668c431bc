rm -rf /usr/share/{info,man,doc}/*

find /usr/{lib,libexec} -name \*.la -delete

rm -rf /tools

# lfs-docker: the book's optional backup (leave the chroot, unmount the virtual file systems,
# `tar -cJpf $HOME/lfs-temp-tools-....tar.xz .` from $LFS on the host) and its restore do not
# apply: the image layer this RUN produces is that backup. A later failure rebuilds from the cached
# layer of this section, and nothing has to be unmounted or re-entered.
