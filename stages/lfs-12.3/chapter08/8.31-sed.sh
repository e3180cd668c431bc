# @unpack: sed-4.9.tar.xz
./configure --prefix=/usr

make
make html

{{#tests}}
chown -R tester .
su tester -c "PATH=$PATH make check"
{{/tests}}

make install
install -d -m755           /usr/share/doc/sed-4.9
install -m644 doc/sed.html /usr/share/doc/sed-4.9
