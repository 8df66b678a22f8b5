#!/bin/sh
# fs_sandbox.sh - runs fs_sandbox under vmemu --root on a scratch tree and
# checks that nothing outside the root changed. Under vmemu only: natively
# the program would reach the host's files.
#
# usage: fs_sandbox.sh VMEMU PROG
#
# The scratch folder holds root/ (the guest's /, with root/prog a copy of
# PROG), marker (the file every attempt aims at) and prog (a copy of PROG
# outside the root). fs_sandbox runs twice: as /prog inside the root, and
# as the copy outside it. Afterwards marker and prog must be as they were
# (bytes, mode, times, inode) and no other name may have appeared next to
# root/. Exit: 0 pass, 1 fail.
set -u
vmemu=$1
prog=$2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fs_sandbox.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/root"
printf 'vmemu-sandbox-marker\n' >"$scratch/marker"
chmod 0640 "$scratch/marker"
touch -d '2001-02-03 04:05:06' "$scratch/marker"
cp "$prog" "$scratch/prog"
chmod 0755 "$scratch/prog"
touch -d '2001-02-03 04:05:06' "$scratch/prog"

# What must not change outside the root (ctime too: no chmod, no touch).
snapshot() {
	(cd "$scratch" && ls -a && stat -c '%n %i %s %a %Y %Z' marker prog && cksum marker prog)
}
before=$(snapshot)

fail=0
run() { # run inside|outside HOST-PATH-OF-PROG: on a fresh root
	rm -rf "$scratch/root"
	mkdir "$scratch/root"
	cp "$prog" "$scratch/root/prog"
	"$vmemu" run --root "$scratch/root" "$2" "$1" "$scratch/marker" >"$scratch/out" 2>&1
	st=$?
	sed "s/^/$1: /" "$scratch/out"
	rm -f "$scratch/out"
	if [ $st != 0 ]; then
		echo "FAIL: fs_sandbox $1 exited $st"
		fail=1
	fi
	after=$(snapshot)
	if [ "$after" != "$before" ]; then
		echo "FAIL: fs_sandbox $1 changed what lies outside the root:"
		echo "--- before:"
		echo "$before"
		echo "--- after:"
		echo "$after"
		fail=1
	fi
}
run inside "$scratch/root/prog"
run outside "$scratch/prog"
exit $fail
