#!/bin/sh
# inherited_fds.sh VMEMU - the descriptors vmemu is started with reach the
# guest at the same numbers, as a native program inherits them: a file on
# fd 3 read through /dev/fd/3, a file on fd 5 written, fd 7 closed stays
# closed; outputs equal the native runs'. Under --root, an inherited file
# outside the root is read through its fd but its mode cannot change.
set -u
vmemu=$1
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
echo "from fd 3" > in
line='cat /dev/fd/3; echo "to fd 5" >&5; echo x >&7 2>/dev/null || echo "fd 7 closed"; ls /proc/self/fd/ | grep -c "^[35]$"'
/bin/bash -c "$line" 3<in 5>native.5 7>&- > native.out 2>&1; nst=$?
"$vmemu" run /bin/bash -c "$line" 3<in 5>vmemu.5 7>&- > vmemu.out 2>&1; vst=$?
[ "$nst" = "$vst" ] || fail "status $vst under vmemu, $nst natively: $(cat vmemu.out)"
cmp -s native.out vmemu.out || { diff native.out vmemu.out; fail "stdout differs"; }
cmp -s native.5 vmemu.5 || fail "fd 5 got '$(cat vmemu.5)', natively '$(cat native.5)'"
busybox=$(command -v busybox) || { echo "SKIP: busybox is not installed"; exit 77; }
mkdir root
mode=$(stat -c %a in)
out=$("$vmemu" run --root root "$busybox" sh -c 'cat /proc/self/fd/3; chmod 600 /proc/self/fd/3 2>&1 | grep -c "Read-only"' 3<in 2>&1)
[ "$out" = "from fd 3
1" ] || fail "--root: $out"
[ "$(stat -c %a in)" = "$mode" ] || fail "the mode of a file outside the root changed"
echo "ok: inherited descriptors"
