#!/bin/sh
# expect_reject.sh STATUS TEXT CMD [ARGS...]
# Runs CMD; passes when it exits with STATUS and its stderr contains TEXT
# (a fixed string).
status=$1
text=$2
shift 2
err=$("$@" 2>&1 >/dev/null)
got=$?
if [ "$got" -ne "$status" ]; then
	printf 'FAIL: exit status %s, expected %s\nstderr: %s\n' "$got" "$status" "$err"
	exit 1
fi
case $err in
*"$text"*) ;;
*)
	printf 'FAIL: stderr lacks "%s"\nstderr: %s\n' "$text" "$err"
	exit 1
	;;
esac
printf 'ok: status %s, %s\n' "$got" "$err"
