#!/bin/sh
# first_script.sh VMEMU - a "#!" script as vmemu's PROG runs as Linux runs
# it (load_script): its interpreter gets the optional argument, the
# script's name and the arguments, an interpreter may itself be a script;
# stdout and status equal the native run's. A missing interpreter is 127
# and named, a text file without "#!" 126; under --root the interpreter
# comes from the root (busybox-static copied there as /bin/sh), not from
# the host, and a script in the root goes by its name there.
set -u
vmemu=$1
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
printf '#!/bin/sh -e\necho "$0|$#|$*"; cat /proc/self/cmdline | tr "\\0" " "; echo; exit 3\n' > s
printf '#!%s/s x\n' "$dir" > s2
printf 'echo no interpreter line\n' > plain
printf '#!/nonexistent/sh\n' > missing
chmod +x s s2 plain missing
for args in "./s a 'b c'" "$dir/s" "./s2 y"; do
	eval "$args" > native.out 2>&1; nst=$?
	eval "\"\$vmemu\" run $args" > vmemu.out 2>&1; vst=$?
	[ "$nst" = "$vst" ] || fail "$args: status $vst under vmemu, $nst natively"
	cmp -s native.out vmemu.out || { diff native.out vmemu.out; fail "$args: output differs"; }
done
out=$("$vmemu" run ./missing 2>&1); st=$?
[ "$st" = 127 ] || fail "missing interpreter: status $st ($out)"
case $out in *"/nonexistent/sh: No such file or directory"*) ;; *) fail "missing interpreter: $out" ;; esac
out=$("$vmemu" run ./plain 2>&1); st=$?
[ "$st" = 126 ] || fail "no #! line: status $st ($out)"
busybox=$(command -v busybox) || { echo "SKIP: busybox is not installed"; exit 77; }
file -L "$busybox" | grep -q 'statically linked' || { echo "SKIP: $busybox is not static"; exit 77; }
mkdir -p root/bin
printf '#!/bin/sh\necho "in the root: $0 $1"\n' > inroot
chmod +x inroot
out=$("$vmemu" run --root root ./inroot arg 2>&1); st=$?
[ "$st" = 127 ] || fail "--root without /bin/sh: status $st ($out)"
cp "$busybox" root/bin/sh
mv inroot root/
out=$("$vmemu" run --root root root/inroot arg 2>&1); st=$?
[ "$st" = 0 ] && [ "$out" = "in the root: /inroot arg" ] || fail "--root with /bin/sh: status $st ($out)"
echo "ok: scripts run as PROG"
