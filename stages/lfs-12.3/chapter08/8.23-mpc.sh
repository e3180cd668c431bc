# @unpack: mpc-1.3.1.tar.gz
./configure --prefix=/usr    \
            --disable-static \
            --docdir=/usr/share/doc/mpc-1.3.1

make
make html

{{#tests}}
make check
{{/tests}}

make install
make install-html
