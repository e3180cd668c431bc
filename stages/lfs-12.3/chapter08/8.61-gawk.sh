# @unpack: gawk-5.3.1.tar.xz
sed -i 's/extras//' Makefile.in

./configure --prefix=/usr

make

{{#tests}}
chown -R tester .
su tester -c "PATH=$PATH make check"
{{/tests}}

rm -f /usr/bin/gawk-5.3.1
make install

ln -sv gawk.1 /usr/share/man/man1/awk.1

install -vDm644 doc/{awkforai.txt,*.{eps,pdf,jpg}} -t /usr/share/doc/gawk-5.3.1
