{{#systemd}}
# lfs-docker: <ll>_<CC>.<charmap><@modifiers> is the locale and character map chosen for this build.
cat > /etc/locale.conf << "EOF"
LANG={{config.locale}}.{{config.charmap}}
EOF

cat > /etc/profile << "EOF"
# Begin /etc/profile

for i in $(locale); do
  unset ${i%=*}
done

if [[ "$TERM" = linux ]]; then
  export LANG=C.UTF-8
else
  source /etc/locale.conf

  for i in $(locale); do
    key=${i%=*}
    if [[ -v $key ]]; then
      export $key
    fi
  done
fi

# End /etc/profile
EOF
{{/systemd}}
{{#sysv}}
# lfs-docker: <ll>_<CC>.<charmap><@modifiers> is the locale and character map chosen for this build.
cat > /etc/profile << "EOF"
# Begin /etc/profile

for i in $(locale); do
  unset ${i%=*}
done

if [[ "$TERM" = linux ]]; then
  export LANG=C.UTF-8
else
  export LANG={{config.locale}}.{{config.charmap}}
fi

# End /etc/profile
EOF
{{/sysv}}
