# @unpack: XML-Parser-2.47.tar.gz
perl Makefile.PL

make

{{#tests}}
make test
{{/tests}}

make install
