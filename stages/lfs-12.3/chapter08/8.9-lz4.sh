# @unpack: lz4-1.10.0.tar.gz
make BUILD_STATIC=no PREFIX=/usr

{{#tests}}
make -j1 check
{{/tests}}

make BUILD_STATIC=no PREFIX=/usr install
