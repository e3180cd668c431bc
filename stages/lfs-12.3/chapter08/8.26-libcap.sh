# @unpack: libcap-2.73.tar.xz
sed -i '/install -m.*STA/d' libcap/Makefile

make prefix=/usr lib=lib

{{#tests}}
make test
{{/tests}}

make prefix=/usr lib=lib install
