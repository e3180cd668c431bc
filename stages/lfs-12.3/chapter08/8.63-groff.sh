# @unpack: groff-1.23.0.tar.gz
# lfs-docker: the book has PAGE=<paper_size> for the reader to fill in: letter for users in the
# United States, A4 elsewhere. There is no paper-size option, so it follows the configured locale:
# letter when its territory is US, A4 otherwise.
case "{{config.locale}}" in
  *_US|*_US[.@]*) paper_size=letter ;;
  *)              paper_size=A4 ;;
esac
PAGE=$paper_size ./configure --prefix=/usr

make

{{#tests}}
make check
{{/tests}}

make install
