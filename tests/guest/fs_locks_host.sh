#!/bin/sh
# fs_locks_host.sh - a guest's record locks and flock are the host's too:
# a host process sees what the guest holds, and the guest sees what a host
# process holds (fs_locks hold / probe). Under vmemu only: it is about
# vmemu and the host.
#
# usage: fs_locks_host.sh VMEMU PROG
#
# Exit: 0 pass, 1 fail.
set -u
vmemu=$1
prog=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/fs_locks_host.XXXXXX") || exit 1
holder=
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
: >"$work/file"
want="F_GETLK: write-locked, F_SETLK: Resource temporarily unavailable, flock: Resource temporarily unavailable"
fail=0

# hold WHO CMD...: runs "CMD hold FILE" until a byte comes on its stdin;
# returns once it says "held".
hold() {
	who=$1
	shift
	rm -f "$work/in" "$work/held"
	mkfifo "$work/in"
	"$@" hold "$work/file" <"$work/in" >"$work/held" 2>&1 &
	holder=$!
	exec 3>"$work/in"
	n=0
	until grep -q held "$work/held"; do
		n=$((n + 1))
		if [ $n -gt 600 ] || ! kill -0 "$holder" 2>/dev/null; then
			echo "FAIL: the $who holder never held the locks:"
			cat "$work/held"
			exit 1
		fi
		sleep 0.1
	done
}

release() {
	echo x >&3
	exec 3>&-
	wait "$holder"
	holder=
}

check() { # check WHAT OUTPUT
	echo "$1: $2"
	if [ "$2" != "$want" ]; then
		echo "FAIL: $1 should say: $want"
		fail=1
	fi
}

hold guest "$vmemu" run "$prog"
check "a host process probes the guest's locks" "$("$prog" probe "$work/file" 2>&1)"
release
hold host "$prog"
check "the guest probes a host process's locks" "$("$vmemu" run "$prog" probe "$work/file" 2>&1)"
release
# Once released, nothing is left on the host.
out=$("$prog" probe "$work/file" 2>&1)
echo "after both: $out"
case $out in
"F_GETLK: unlocked, F_SETLK: granted, flock: granted") ;;
*) echo "FAIL: a lock outlived its holder"; fail=1 ;;
esac
exit $fail
