# @unpack: openssl-3.4.1.tar.gz
./config --prefix=/usr         \
         --openssldir=/etc/ssl \
         --libdir=lib          \
         shared                \
         zlib-dynamic

make

{{#tests}}
# lfs-docker: the book notes that 30-test_afalg.t fails when the kernel running the build lacks
# the AF_ALG skcipher/AES-CBC options and says it can be ignored, so the status is not checked.
HARNESS_JOBS=$(nproc) make test || true
{{/tests}}

sed -i '/INSTALL_LIBS/s/libcrypto.a libssl.a//' Makefile
make MANSUFFIX=ssl install

mv -v /usr/share/doc/openssl /usr/share/doc/openssl-3.4.1

cp -vfr doc/* /usr/share/doc/openssl-3.4.1
