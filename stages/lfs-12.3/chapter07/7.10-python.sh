# @unpack: Python-3.13.2.tar.xz
./configure --prefix=/usr   \
            --enable-shared \
            --without-ensurepip

# The book: some optional modules (ssl...) cannot be built yet and their messages are to be
# ignored; only a failure of the top-level make matters, and `set -e` stops on that.
make

make install
