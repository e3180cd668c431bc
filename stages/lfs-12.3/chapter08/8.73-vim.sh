# @unpack: vim-9.1.1166.tar.gz
echo '#define SYS_VIMRC_FILE "/etc/vimrc"' >> src/feature.h

./configure --prefix=/usr

make

{{#tests}}
chown -R tester .
sed '/test_plugin_glvs/d' -i src/testdir/Make_all.mak

# lfs-docker: the book sends the test output to vim-test.log and looks for "ALL DONE" in it. The
# build tree disappears with this RUN, so when the tests fail the end of the log is printed before
# the section fails.
su tester -c "TERM=xterm-256color LANG=en_US.UTF-8 make -j1 test" \
   &> vim-test.log || { tail -n 100 vim-test.log; exit 1; }
{{/tests}}

make install

ln -sv vim /usr/bin/vi
for L in  /usr/share/man/{,*/}man1/vim.1; do
    ln -sv vim.1 $(dirname $L)/vi.1
done

ln -sv ../vim/vim91/doc /usr/share/doc/vim-9.1.1166

cat > /etc/vimrc << "EOF"
" Begin /etc/vimrc

" Ensure defaults are set before customizing settings, not after
source $VIMRUNTIME/defaults.vim
let skip_defaults_vim=1

set nocompatible
set backspace=2
set mouse=
syntax on
if (&term == "xterm") || (&term == "putty")
  set background=dark
endif

" End /etc/vimrc
EOF
