# @unpack: findutils-4.10.0.tar.xz
./configure --prefix=/usr --localstatedir=/var/lib/locate

make

{{#tests}}
chown -R tester .
su tester -c "PATH=$PATH make check"
{{/tests}}

make install
