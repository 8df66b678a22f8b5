#!/bin/sh
# stats_json_early.sh VMEMU PROG - a --stats-json file that cannot be
# written is refused (status 125, the path and the reason) before PROG
# runs, not after, when PROG's own status would be lost. PROG prints a
# line when it runs.
vmemu=$1
prog=$2
out=$("$vmemu" run --stats-json /nonexistent-vmemu-dir/stats.json "$prog" 2>&1)
st=$?
if [ "$st" -ne 125 ]; then
	printf 'FAIL: exit status %s, expected 125\n%s\n' "$st" "$out"
	exit 1
fi
case $out in
*"--stats-json /nonexistent-vmemu-dir/stats.json: No such file or directory"*) ;;
*) printf 'FAIL: the message does not name the path and the reason:\n%s\n' "$out"; exit 1 ;;
esac
if [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ]; then
	printf 'FAIL: the guest ran (or more than one line was printed):\n%s\n' "$out"
	exit 1
fi
printf 'ok: %s\n' "$out"
