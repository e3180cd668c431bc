# @unpack: Python-3.13.2.tar.xz
# @uses: python-3.13.2-docs-html.tar.bz2
./configure --prefix=/usr        \
            --enable-shared      \
            --with-system-expat  \
            --enable-optimizations

make

{{#tests}}
# lfs-docker: the book notes that test_ssl is known to fail in the chroot environment (and that
# flaky tests are re-run), so the status of the test run is not checked.
make test TESTOPTS="--timeout 120" || true
{{/tests}}

make install

cat > /etc/pip.conf << EOF
[global]
root-user-action = ignore
disable-pip-version-check = true
EOF

install -v -dm755 /usr/share/doc/python-3.13.2/html

tar --strip-components=1  \
    --no-same-owner       \
    --no-same-permissions \
    -C /usr/share/doc/python-3.13.2/html \
    -xvf ../python-3.13.2-docs-html.tar.bz2
