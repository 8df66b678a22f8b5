#!/bin/sh
# gdb_session.sh VMEMU PROG - Debian's gdb against `vmemu run --gdb PORT`
# over gdb_target.c (exit 77 when gdb is not installed). Checks:
#   1. a second vmemu on a port in use exits 125 and says why;
#   2. a batch session: break main, continue, registers, x/4gx $rsp and
#      `monitor walk $rsp` (the walk's physical address has $rsp's page
#      offset), a write watchpoint (Z2) stopping at each of the two stores
#      with the old and new values, stepi, `monitor ps`/`tlb`/`maps`/`pt`/
#      `stats`, the SIGSEGV stop with $_siginfo (signal 11, address 0x10),
#      threads named by pid, and kill;
#   3. gdb disconnecting (`disconnect`): with --gdb-disconnect run the guest
#      runs to its end; with kill it is killed.
vmemu=${1:?usage: gdb_session.sh VMEMU PROG}
prog=${2:?usage: gdb_session.sh VMEMU PROG}
command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vmemu-gdb.XXXXXX") || exit 2
vm_pid=
trap '[ -n "$vm_pid" ] && kill "$vm_pid" 2>/dev/null; rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*"
	for f in gdb.out vm.out vm.err; do
		[ -f "$work/$f" ] && { echo "---- $f ----"; cat "$work/$f"; }
	done
	exit 1
}

# start_vmemu ARGS...: vmemu run --gdb $port ARGS in the background, once
# it waits for gdb; tries other ports when one is taken.
start_vmemu() {
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + ($$ * 7 + try * 131) % 40000))
		"$vmemu" run --gdb "$port" "$@" >"$work/vm.out" 2>"$work/vm.err" &
		vm_pid=$!
		for i in $(seq 100); do
			grep -q "waiting for gdb" "$work/vm.err" && return 0
			kill -0 "$vm_pid" 2>/dev/null || break
			sleep 0.1
		done
		wait "$vm_pid"
		vm_pid=
		grep -q "Address already in use" "$work/vm.err" || fail "vmemu --gdb did not start"
	done
	fail "no free port"
}

# finish_vmemu: its exit status, once it ends (within 30 s).
finish_vmemu() {
	for i in $(seq 300); do
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$vm_pid"
	vm_st=$?
	vm_pid=
}

run_gdb() {
	timeout 120 gdb -nx -batch -ex 'set pagination off' -ex "target remote :$port" "$@" \
		>"$work/gdb.out" 2>&1
}

# ---- 1. a port in use ----
start_vmemu "$prog" segv
"$vmemu" run --gdb "$port" "$prog" >"$work/second.out" 2>"$work/second.err"
st=$?
[ $st = 125 ] || fail "a second vmemu on port $port exited $st, expected 125"
grep -q "^vmemu: --gdb $port: cannot listen on localhost:$port: Address already in use$" \
	"$work/second.err" || fail "the second vmemu did not say why: $(cat "$work/second.err")"
echo "port in use: exit 125, \"$(cat "$work/second.err")\""

# ---- 2. the session ----
run_gdb -ex 'break main' -ex continue -ex 'info registers rip' -ex 'x/4gx $rsp' \
	-ex 'monitor walk $rsp' -ex 'p/x $rsp' -ex 'watch *(long *)&watched' -ex continue \
	-ex continue -ex stepi -ex 'info registers rip' -ex 'monitor ps' -ex 'monitor tlb' \
	-ex 'monitor maps' -ex 'monitor pt' -ex 'monitor stats' -ex 'info threads' -ex continue \
	-ex 'p $_siginfo.si_signo' -ex 'p $_siginfo._sifields._sigfault.si_addr' -ex kill
finish_vmemu
out=$work/gdb.out
grep -q '^Breakpoint 1, 0x[0-9a-f]* in main ()$' "$out" || fail "no stop at the breakpoint on main"
grep -q "^rip  *0x[0-9a-f]*  *0x[0-9a-f]* <main+[0-9]*>$" "$out" || fail "info registers rip does not show main"
grep -q "^0x7ff[0-9a-f]*:	0x[0-9a-f]\{16\}	0x[0-9a-f]\{16\}$" "$out" || fail "x/4gx \$rsp did not read the stack"
rsp=$(awk '/^\$1 = 0x/ { print $3 }' "$out")
pa=$(awk '/^    -> pa 0x/ { print $3; exit }' "$out")
[ -n "$rsp" ] && [ -n "$pa" ] || fail "no \$rsp ($rsp) or no walk result ($pa)"
[ "$(printf '%s' "$rsp" | tail -c 3)" = "$(printf '%s' "$pa" | tail -c 3)" ] ||
	fail "monitor walk \$rsp gave pa $pa, not at \$rsp's ($rsp) page offset"
grep -q '^    pte   @0x[0-9a-f]* *0x[0-9a-f]\{16\} .*P W U' "$out" || fail "the walk of \$rsp has no writable user pte"
awk '/^Old value = 0$/ { getline; if ($0 == "New value = 1") one = 1 }
     /^Old value = 1$/ { getline; if ($0 == "New value = 2") two = 1 }
     END { exit !(one && two) }' "$out" || fail "the watchpoint did not stop at 0 -> 1 and 1 -> 2"
grep -q '^>\*    1     0 R ' "$out" || fail "monitor ps does not list pid 1 on the CPU"
grep -q '^L1 dTLB: [0-9]* of [0-9]* entries valid' "$out" || fail "monitor tlb printed no L1 dTLB"
grep -q '^L2 STLB: ' "$out" || fail "monitor tlb printed no STLB"
grep -q '\[stack\]$' "$out" || fail "monitor maps printed no [stack]"
grep -q '^pml4e\[0\] ' "$out" || fail "monitor pt printed no pml4e[0]"
grep -q '^    page walks  *[1-9]' "$out" || fail "monitor stats printed no page walks"
grep -q 'Thread 1 (pid 1 gdb_target' "$out" || fail "info threads does not name pid 1"
grep -q '^Program received signal SIGSEGV, Segmentation fault\.$' "$out" || fail "no SIGSEGV stop"
grep -q '^\$[0-9]* = 11$' "$out" || fail "\$_siginfo.si_signo is not 11"
grep -q '^\$[0-9]* = (void \*) 0x10$' "$out" || fail "\$_siginfo si_addr is not 0x10"
grep -q 'killed\]$' "$out" || fail "kill did not kill"
[ "$vm_st" = 0 ] || fail "vmemu exited $vm_st after gdb's kill"
grep -q '^watched = 2$' "$work/vm.out" || fail "the guest did not run up to its fault"
echo "session: breakpoint, registers, memory, walk, watchpoint, stepi, monitor, SIGSEGV, kill: ok"

# ---- 3. gdb goes away ----
start_vmemu --gdb-disconnect run "$prog"
run_gdb -ex 'break main' -ex continue -ex disconnect
finish_vmemu
[ "$vm_st" = 0 ] || fail "with --gdb-disconnect run, vmemu exited $vm_st"
grep -q '^watched = 2$' "$work/vm.out" || fail "with --gdb-disconnect run, the guest did not run to its end"
grep -q 'gdb disconnected: the guest runs on' "$work/vm.err" || fail "no word of the disconnect"
start_vmemu --gdb-disconnect kill "$prog"
run_gdb -ex 'break main' -ex continue -ex disconnect
finish_vmemu
grep -q 'gdb disconnected: killing the guest' "$work/vm.err" || fail "no word of the kill"
grep -q '^watched' "$work/vm.out" && fail "with --gdb-disconnect kill, the guest ran on"
echo "disconnect: run and kill as asked"
echo "PASS"
