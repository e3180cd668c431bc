# @unpack: attr-2.5.2.tar.gz
./configure --prefix=/usr     \
            --disable-static  \
            --sysconfdir=/etc \
            --docdir=/usr/share/doc/attr-2.5.2

make

{{#tests}}
# lfs-docker: the book requires a file system with extended attributes (ext2/3/4) for these tests.
# Here the build tree is a tmpfs, which supports user extended attributes only from Linux 6.6 on,
# so on older build kernels the tests fail for that reason alone: they do not stop the build.
make check || true
{{/tests}}

make install
