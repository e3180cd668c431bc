# @unpack: mpfr-4.2.1.tar.xz
./configure --prefix=/usr        \
            --disable-static     \
            --enable-thread-safe \
            --docdir=/usr/share/doc/mpfr-4.2.1

make
make html

{{#tests}}
# Critical test suite (the book): all 198 tests must pass; make check fails otherwise.
make check
{{/tests}}

make install
make install-html
