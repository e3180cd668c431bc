# lfs-docker: the book's example is a German keyboard (KEYMAP=de-latin1); the keymap is the one chosen
# for this build, with the font the book recommends.
cat > /etc/vconsole.conf << "EOF"
KEYMAP={{config.keymap}}
FONT=Lat2-Terminus16
EOF
