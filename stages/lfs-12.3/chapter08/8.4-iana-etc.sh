# @unpack: iana-etc-20250123.tar.gz
cp services protocols /etc
