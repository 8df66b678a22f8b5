#!/bin/sh
# inject_session.sh VMEMU PROG - `vmemu run --inject`, kind by kind, with
# PROG = mem_inject (which copes with each failure and says what it saw).
#   1. mmap: under --inject mmap:nth=1 the program prints what it prints
#      natively under `ulimit -v 131072` (Linux's RLIMIT_AS ENOMEM), and
#      --strace shows the injection before the failed call.
#   2. swap-read: a swap-in read error is SIGBUS (BUS_ADRERR) at the page,
#      as Linux's do_swap_page; read again, the page is intact.
#   3. swap-write: with every write failing nothing reaches swap and the
#      OOM killer ends the program; with half failing, the output is the
#      native run's.
#   4. file-read, each read of the run failing in turn: exec fails with EIO
#      (126), the program dies of SIGBUS before its handler is in place
#      (135), or its handler sees SIGBUS (in the map or in its own image)
#      and pread sees EIO, and it ends with the file intact (0). With the
#      map MADV_RANDOM every page's first read can fail; without, the
#      first fault reads the whole file around its page, and the pages
#      read ahead are no chances: only that page can fail.
#   5. page-alloc, spread over every allocation of a run that forks: the
#      program sees fork's ENOMEM, or the OOM killer ends it (137), or exec
#      fails (126), or nothing (a page read ahead that got no frame is
#      skipped).
# In every run exactly one failure is injected where one is asked for, and
# vmemu never reports an internal error (125: a frame or swap slot still in
# use after exit, say) or crashes.
vmemu=${1:?usage: inject_session.sh VMEMU PROG}
prog=${2:?usage: inject_session.sh VMEMU PROG}
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vmemu-inject.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}

# run SPEC ARGS...: vmemu run with --inject SPEC; sets rc, and leaves
# stdout, stderr and the statistics in $work/out, err, stats.json.
run() {
	spec=$1
	shift
	"$vmemu" run --stats-json "$work/stats.json" --inject "$spec" "$@" \
		>"$work/out" 2>"$work/err"
	rc=$?
	case $rc in
	125) fail "--inject $spec $*: internal error: $(cat "$work/err")" ;;
	0 | 1 | 126 | 135 | 137) ;;
	*) fail "--inject $spec $*: exit $rc: $(cat "$work/err")" ;;
	esac
	[ $rc -ne 1 ] || fail "--inject $spec $*: the program failed: $(cat "$work/err")"
}
# stat KEY: a number from the last run's statistics (jq path).
stat() {
	jq -r "$1" "$work/stats.json"
}

# ---- 1. mmap ----
(ulimit -v 131072 && exec "$prog" mmap) >"$work/native" || fail "native mmap run"
grep -qx "mmap 256 MiB: ENOMEM" "$work/native" || fail "ulimit -v had no effect"
"$vmemu" run --strace --inject mmap:nth=1 "$prog" mmap >"$work/out" 2>"$work/err" ||
	fail "mmap: exit $?: $(cat "$work/err")"
diff -u "$work/native" "$work/out" || fail "mmap: output differs from the native run under ulimit -v"
grep -A1 -- '^--- injected: mmap fails (call 1, failure 1) ---$' "$work/err" |
	grep -q '^mmap(NULL, 268435456, .*= -1 ENOMEM (Cannot allocate memory)$' ||
	fail "mmap: --strace does not show the injection before the failed call"

# ---- 2. swap-read ----
mem="--mem 16M --swap 64M"
# shellcheck disable=SC2086 # $mem is two options
for nth in 50 500; do
	run swap-read:nth=$nth $mem "$prog" swap 24
	[ $rc -eq 0 ] || fail "swap-read:nth=$nth: exit $rc: $(cat "$work/err")"
	[ "$(grep -c '^swap: SIGBUS BUS_ADRERR at page [0-9]*, read again$' "$work/out")" = 1 ] ||
		fail "swap-read:nth=$nth: not one SIGBUS: $(cat "$work/out")"
	grep -qx "swap: 24 MiB intact" "$work/out" || fail "swap-read:nth=$nth: data lost"
	[ "$(stat .inject.swap_read.failures)" = 1 ] || fail "swap-read:nth=$nth: not injected once"
done

# ---- 3. swap-write ----
# shellcheck disable=SC2086
run swap-write:p=100 $mem "$prog" swap 24
[ $rc -eq 137 ] || fail "swap-write:p=100: exit $rc, expected the OOM killer's 137"
grep -q "Out of memory: Killed process" "$work/err" || fail "swap-write:p=100: no OOM kill"
[ "$(stat .reclaim.swap_outs)" = 0 ] || fail "swap-write:p=100: pages reached swap"
"$prog" swap 24 >"$work/native" || fail "native swap run"
# shellcheck disable=SC2086
run swap-write:p=50:seed=1 $mem "$prog" swap 24
[ $rc -eq 0 ] || fail "swap-write:p=50: exit $rc: $(cat "$work/err")"
diff -u "$work/native" "$work/out" || fail "swap-write:p=50: output differs from the native run"
[ "$(stat .reclaim.swap_outs)" -gt 0 ] && [ "$(stat .inject.swap_write.failures)" -gt 0 ] ||
	fail "swap-write:p=50: no swap-outs, or no failures"

# ---- 4. file-read, every read in turn ----
# The read-around window of PROG's device, as vmemu takes it like Linux:
# its read_ahead_kb (its disk's for a partition), else 128 KiB.
ra_kb=128
dev=$(command stat -c '%Hd:%Ld' "$prog") # the program, not stat() above
for f in "/sys/class/bdi/$dev/read_ahead_kb" "/sys/dev/block/$dev/../queue/read_ahead_kb"; do
	if [ -r "$f" ]; then
		ra_kb=$(cat "$f")
		break
	fi
done
head -c 65536 /dev/urandom >"$work/data"
# file_runs [random]: runs the program once per file-read chance of its
# run, failing that one; counts in exec_eio, died, map, map0, own, eio
# how often each outcome came up, and the chances in reads.
file_runs() {
	run file-read:nth=1000000000 "$prog" file "$work/data" "$@"
	reads=$(stat .inject.file_read.calls)
	exec_eio=0 died=0 map=0 map0=0 own=0 eio=0
	nth=1
	while [ $nth -le "$reads" ]; do
		run file-read:nth=$nth "$prog" file "$work/data" "$@"
		[ $rc -eq 126 ] || [ "$(stat .inject.file_read.failures)" = 1 ] ||
			fail "file-read:nth=$nth $*: not injected once"
		case $rc in
		126) grep -q "Input/output error" "$work/err" || fail "file-read:nth=$nth $*: $(cat "$work/err")"
			exec_eio=$((exec_eio + 1)) ;;
		135) grep -q "killed by SIGBUS" "$work/err" || fail "file-read:nth=$nth $*: $(cat "$work/err")"
			died=$((died + 1)) ;;
		0) grep -qx "file: 16 pages intact" "$work/out" || fail "file-read:nth=$nth $*: $(cat "$work/out")"
			grep -q "^map: SIGBUS BUS_ADRERR at page" "$work/out" && map=$((map + 1))
			grep -qx "map: SIGBUS BUS_ADRERR at page 0, read again" "$work/out" && map0=$((map0 + 1))
			grep -q "^map: SIGBUS BUS_ADRERR in the program's own" "$work/out" && own=$((own + 1))
			grep -q "^pread: EIO at page" "$work/out" && eio=$((eio + 1)) ;;
		*) fail "file-read:nth=$nth $*: exit $rc" ;;
		esac
		nth=$((nth + 1))
	done
	echo "file-read${*:+ $*}: $reads reads: exec EIO $exec_eio, SIGBUS deaths $died, handled: map $map, own image $own, pread EIO $eio"
	# (A failed read of the program's own image with its handler in place
	# comes up only where the image has pages it first touches that late.)
		[ $exec_eio -ge 1 ] || fail "file-read $*: exec never failed"
	# An image of half the read-around window or less comes in whole with
	# exec's first read: that read is its only chance. A larger one has
	# pages read later, and one of them failing before the handler is in
	# place kills the program.
	if [ "$(wc -c <"$prog")" -le $((ra_kb * 512)) ]; then
		[ $exec_eio -eq 1 ] && [ $died -eq 0 ] ||
			fail "file-read $*: the image took more than exec's one read"
	else
		[ $died -ge 1 ] || fail "file-read $*: the program never died of SIGBUS"
	fi
}
# 4a. MADV_RANDOM: no page is read ahead, so each page's first read, through
# the map or with pread, is a chance of its own.
file_runs random
[ $map -eq 8 ] && [ $eio -eq 8 ] || fail "file-read random: expected 8 map SIGBUS and 8 pread EIO"
reads_random=$reads
# 4b. Read-around: the fault on page 0 reads pages 1 to 15 ahead (a window
# of 32 pages or more), and those
# reads are no chances (README, "Fault injection"): 15 chances fewer, and
# the only failure the program meets in its file is that fault's, page 0.
file_runs
[ "$reads" -eq $((reads_random - 15)) ] ||
	fail "file-read: $reads chances with read-around, $reads_random without: expected 15 fewer"
[ $map -eq 1 ] && [ $map0 -eq 1 ] && [ $eio -eq 0 ] ||
	fail "file-read: expected one map SIGBUS, at page 0, and no pread EIO"

# ---- 5. page-alloc, spread over every allocation ----
run page-alloc:nth=1000000000 "$prog" fork 4
allocs=$(stat .inject.page_alloc.calls)
# 60 runs: a fork takes only a few allocations (its page tables), and
# read-ahead adds many to the run (a failed one only ends that read-ahead).
step=$(((allocs + 59) / 60))
enomem=0 oom=0 exec_fail=0 ok=0
nth=1
while [ $nth -le "$allocs" ]; do
	run page-alloc:nth=$nth "$prog" fork 4
	[ $rc -eq 126 ] || [ "$(stat .inject.page_alloc.failures)" = 1 ] ||
		fail "page-alloc:nth=$nth: not injected once"
	case $rc in
	0) grep -qx "fork: 4 children, parent intact" "$work/out" || fail "page-alloc:nth=$nth"
		ok=$((ok + 1))
		grep -q "^fork: ENOMEM, tried again" "$work/out" && enomem=$((enomem + 1)) ;;
	137) grep -q "Out of memory: Killed process" "$work/err" || fail "page-alloc:nth=$nth: $(cat "$work/err")"
		oom=$((oom + 1)) ;;
	126) exec_fail=$((exec_fail + 1)) ;;
	*) fail "page-alloc:nth=$nth: exit $rc: $(cat "$work/err")" ;;
	esac
	nth=$((nth + step))
done
echo "page-alloc: $allocs allocations, every ${step}th failed: exit 0 $ok (fork ENOMEM $enomem), OOM kills $oom, exec failed $exec_fail"
[ $enomem -ge 1 ] && [ $oom -ge 1 ] && [ $exec_fail -ge 1 ] || fail "page-alloc: a case never came up"
echo "inject_session: ok"
