# @unpack: dbus-1.16.0.tar.xz
mkdir build
cd    build

meson setup --prefix=/usr --buildtype=release --wrap-mode=nofallback ..

ninja

{{#tests}}
ninja test
{{/tests}}

ninja install

# The link points at /etc/machine-id, which is created on the first boot (see the systemd section):
# it dangles in the image until then.
ln -sfv /etc/machine-id /var/lib/dbus
