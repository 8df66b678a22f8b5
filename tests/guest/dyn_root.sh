#!/bin/sh
# dyn_root.sh VMEMU PROG - a dynamically linked PROG (musl's: its
# interpreter, ld-musl, is all the libraries it needs) under --root takes
# its interpreter from the root, not from the host: in a root without it
# the run fails as execve would (127, the interpreter's name and ENOENT);
# with the host's copy placed there it runs and exits 0.
set -u
vmemu=$1 prog=$2
interp=$(readelf -l "$prog" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] || { echo "FAIL: $prog names no interpreter"; exit 1; }
[ -e "$interp" ] || { echo "SKIP: $interp is not installed"; exit 77; }
root=$(mktemp -d) || exit 1
trap 'rm -rf "$root"' EXIT
out=$("$vmemu" run --root "$root" "$prog" 2>&1)
st=$?
[ "$st" = 127 ] || { echo "FAIL: without $interp in the root: status $st ($out)"; exit 1; }
case $out in
*"$interp: No such file or directory"*) ;;
*) echo "FAIL: without $interp in the root, the message is: $out"; exit 1 ;;
esac
mkdir -p "$root$(dirname "$interp")"
cp -L "$interp" "$root$interp"
"$vmemu" run --root "$root" "$prog" >/dev/null || { echo "FAIL: with $interp in the root: status $?"; exit 1; }
echo "ok: $interp comes from the root"
