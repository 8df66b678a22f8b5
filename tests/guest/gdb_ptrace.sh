#!/bin/sh
# gdb_ptrace.sh VMEMU PROG - Debian's gdb as a tracer inside the guest
# (`vmemu run /usr/bin/gdb ...`: ptrace(2), vmemu's gdb stub is not used)
# debugging gdb_inferior.c, compared with the same gdb session natively
# (exit 77 when gdb is not installed). Two batch sessions:
#   1. break leaf, run, bt (three frames), info registers rip, stepi (a
#      PTRACE_SINGLESTEP), x/i $pc, $_siginfo of the step (SIGTRAP,
#      TRAP_TRACE), continue to the second hit, bt, delete, continue to
#      the end;
#   2. run to the SIGSEGV stop, $_siginfo (signal 11, address 0x10),
#      info registers rip, bt, kill;
#   3. a breakpoint in a second thread (PTRACE_O_TRACECLONE: the thread
#      is traced from its start), bt there, continue to the end;
#   4. (with the glibc build only) Debian's dynamic /bin/echo: a pending
#      breakpoint on write, set once libc is loaded, bt, finish, continue.
# The output must be equal once PIDs are masked (and the lines of new and
# ended threads left out: when gdb hears of them depends on scheduling);
# addresses are compared too (gdb runs its inferior without address
# randomization, as vmemu places every program).
vmemu=${1:?usage: gdb_ptrace.sh VMEMU PROG}
prog=$(realpath "${2:?usage: gdb_ptrace.sh VMEMU PROG}") || exit 2
vmemu=$(realpath "$vmemu") || exit 2
command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb is not installed"; exit 77; }
gdb=$(command -v gdb)
work=$(mktemp -d "${TMPDIR:-/tmp}/vmemu-gdbp.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
t=${GUEST_TIMEOUT:-300}

cat >"$work/break" <<'CMDS'
break leaf
run @ARG@ >inferior.out
bt
info registers rip
stepi
info registers rip
x/i $pc
p $_siginfo.si_signo
p $_siginfo.si_code
continue
bt
delete
continue
CMDS
cat >"$work/segv" <<'CMDS'
run @ARG@ >inferior.out
p $_siginfo.si_signo
p $_siginfo._sifields._sigfault.si_addr
info registers rip
bt
kill
CMDS
cat >"$work/thread" <<'CMDS'
break worker
run @ARG@ >inferior.out
bt
continue
CMDS
cat >"$work/dynamic" <<'CMDS'
set breakpoint pending on
break write
run @ARG@ >inferior.out
bt 2
info registers rip
finish
continue
CMDS

mask() {
	grep -v -E '^\[(New Thread|New LWP|Thread .* exited|LWP [0-9]+ exited)' |
		sed -E 's/\(process [0-9]+\)/(process N)/; s/LWP [0-9]+/LWP N/g'
}

status=0
sessions="break segv thread"
case $prog in *.glibc) sessions="$sessions dynamic" ;; esac
for session in $sessions; do
	arg=
	[ $session != break ] && arg=$session
	[ $session = dynamic ] && { prog=/bin/echo; arg=hi; }
	# The inferior writes to a file of its own, added after gdb's output:
	# interleaved with gdb's messages it would make the order a race
	# (run's own arguments replace --args', so they are given there).
	sed "s/@ARG@/$arg/" "$work/$session" >"$work/$session.cmds"
	(cd "$work" && LC_ALL=C timeout "$t" "$gdb" -nx -batch -x "$work/$session.cmds" --args "$prog" $arg) \
		>"$work/native.raw" 2>&1
	cat "$work/inferior.out" >>"$work/native.raw" 2>/dev/null; rm -f "$work/inferior.out"
	(cd "$work" && LC_ALL=C timeout "$t" "$vmemu" run "$gdb" -nx -batch -x "$work/$session.cmds" --args "$prog" $arg) \
		>"$work/vmemu.raw" 2>&1
	cat "$work/inferior.out" >>"$work/vmemu.raw" 2>/dev/null; rm -f "$work/inferior.out"
	mask <"$work/native.raw" >"$work/native"
	mask <"$work/vmemu.raw" >"$work/vmemu"
	grep -q 'Breakpoint 1, \|^Program received signal SIGSEGV' "$work/native" ||
		{ echo "FAIL: the native $session session did not stop:"; cat "$work/native.raw"; exit 1; }
	if ! diff -u "$work/native" "$work/vmemu"; then
		echo "FAIL: the $session session differs under vmemu (above: native -, vmemu +)"
		status=1
	else
		echo "ok: $session session ($(wc -l <"$work/native") lines)"
	fi
done
exit $status
