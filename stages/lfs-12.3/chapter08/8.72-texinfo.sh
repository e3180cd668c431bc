# @unpack: texinfo-7.2.tar.xz
./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install

make TEXMF=/usr/share/texmf install-tex
