#!/bin/sh
# install-conf.sh install|uninstall INSTALL_DATA SRCDIR DIR FILE...
#
# Configuration is installed where it is absent (or the same), never over a
# file the admin changed: the new version then goes beside it as FILE.dist,
# and a line on stderr says so.  Uninstall removes only what is still the
# project's own (FILE or FILE.dist equal to the source), never an edited file.
# FILEs are relative to SRCDIR; DIR is where they go (DESTDIR included).
# Used by make install / uninstall for $(sysconfdir)/spamgear.
set -u
action=$1 install=$2 srcdir=$3 dir=$4
shift 4
status=0
for file in "$@"; do
	src=$srcdir/$file
	dest=$dir/$(basename "$file")
	case $action in
	install)
		if [ ! -e "$dest" ] || cmp -s "$src" "$dest"; then
			$install "$src" "$dest" || status=1
			rm -f "$dest.dist"
		else
			$install "$src" "$dest.dist" || status=1
			echo "install-conf: $dest was changed here: kept it; the new version is $dest.dist" >&2
		fi ;;
	uninstall)
		for f in "$dest" "$dest.dist"; do
			if [ -e "$f" ] && cmp -s "$src" "$f"; then
				rm -f "$f"
			elif [ -e "$f" ]; then
				echo "install-conf: $f was changed here: left in place" >&2
			fi
		done ;;
	*)
		echo "usage: install-conf.sh install|uninstall INSTALL_DATA SRCDIR DIR FILE..." >&2
		exit 2 ;;
	esac
done
exit $status
