# @unpack: make-4.4.1.tar.gz
./configure --prefix=/usr

make

{{#tests}}
chown -R tester .
su tester -c "PATH=$PATH make check"
{{/tests}}

make install
