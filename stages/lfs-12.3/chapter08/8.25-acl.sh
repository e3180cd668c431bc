# @unpack: acl-2.3.2.tar.xz
./configure --prefix=/usr         \
            --disable-static      \
            --docdir=/usr/share/doc/acl-2.3.2

make

{{#tests}}
# The book: test/cp.test is known to fail because Coreutils is not built with Acl support yet.
make check || true
{{/tests}}

make install
