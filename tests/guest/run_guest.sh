#!/bin/sh
# run_guest.sh - runs one guest program natively and under vmemu and judges
# the result; Linux (the native run) is the oracle.
#
# usage: run_guest.sh [OPTIONS] VMEMU MODE [MODE-ARGS] -- PROG [ARGS...]
#
# MODE:
#   compare             run natively and under vmemu with the same arguments
#                       and environment; stdout and exit status must be equal
#                       (a diff is printed when they are not).
#   expect-signal SIG   natively PROG must die by SIG (the shell reports
#                       128+N); under vmemu the exit status must be 128+N,
#                       stderr must name the signal ("killed by SIGSEGV") and
#                       stdout must equal the native stdout (so the death
#                       comes at the same place).
#   stats-min KEY MIN   run under vmemu with --stats-json; the run must exit
#                       0 and the JSON must hold "KEY": N with N >= MIN (the
#                       largest N when KEY occurs more than once).
#   stats-max KEY MAX   the same, but every "KEY": N must be <= MAX.
#                       For both, KEY may be SECTION.KEY ("frames.peak"): only
#                       the JSON object "SECTION": {...} is searched.
#   compare-stats COND...
#                       compare, with the vmemu run under --stats-json; each
#                       COND is KEY>=N or KEY<=N (KEY as for stats-min, its
#                       largest value judged), e.g. reclaim.swap_outs>=1.
#   vmemu-expect [COND...]
#                       for what Linux does differently (vmemu's OOM killer
#                       with little --mem): only the vmemu run is judged; its
#                       status must be --status, its stdout exactly the
#                       --expect-stdout lines, its stderr must contain every
#                       --expect-stderr text, and each COND (as above) must
#                       hold. With --native-only the native run must exit
#                       with --status (the program checks itself).
#
# OPTIONS:
#   --status N      the exit status the native run must have (default 0):
#                   the programs check themselves, so anything else is a bug
#                   in the program or the host, not in vmemu.
#   --stdin FILE    both runs read FILE on standard input (default /dev/null).
#   --native-only   check only the native run (VMEMU may be "-").
#   --optional      a missing PROG skips the test (exit 77) instead of
#                   failing it.
#   --vmemu-arg ARG one more argument for PROG in the vmemu run only (after
#                   ARGS; repeatable), e.g. a flag that makes the program
#                   stricter where vmemu must behave in one definite way.
#   --expect-stdout LINE  (vmemu-expect; repeatable) the next line of stdout.
#   --expect-stderr TEXT  (vmemu-expect; repeatable) text stderr must contain.
#   --root DIR      vmemu runs with --root DIR, where the guest's cwd is "/",
#                   i.e. DIR; the native run runs with DIR as its cwd. Use
#                   relative paths in ARGS so both runs see the same files.
#   --deleted-cwd   each run starts in a directory of its own that has been
#                   removed (vmemu itself starts there).
#
# Environment: GUEST_TIMEOUT (seconds per run, default 300); VMEMU_FLAGS
# (extra words for "vmemu run", e.g. "--mem 512M"). Exit status: 0 pass,
# 1 fail, 77 skipped, 2 usage.

# Word lists ($VMEMU_FLAGS, the mode's arguments) are split on purpose;
# globbing is off so they are never expanded. ulimit -c is in dash and bash.
# shellcheck disable=SC2086,SC3045
set -u -f

expect_status=0
stdin=/dev/null
native_only=0
optional=0
vmemu_args=
root=
deleted_cwd=0
# Newline-separated lists of the --expect-stdout lines / --expect-stderr texts.
nl='
'
expect_out=
expect_err=
while [ $# -gt 0 ]; do
	case $1 in
	--status) expect_status=$2; shift 2 ;;
	--stdin) stdin=$2; shift 2 ;;
	--native-only) native_only=1; shift ;;
	--optional) optional=1; shift ;;
	--vmemu-arg) vmemu_args="$vmemu_args $2"; shift 2 ;;
	--root) root=$2; shift 2 ;;
	--deleted-cwd) deleted_cwd=1; shift ;;
	--expect-stdout) expect_out="$expect_out$2$nl"; shift 2 ;;
	--expect-stderr) expect_err="$expect_err$2$nl"; shift 2 ;;
	--*) echo "run_guest.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -lt 4 ]; then
	echo "usage: run_guest.sh [--status N] [--stdin FILE] [--native-only] [--optional] [--vmemu-arg ARG] [--root DIR] [--deleted-cwd] [--expect-stdout LINE] [--expect-stderr TEXT] VMEMU MODE [MODE-ARGS] -- PROG [ARGS...]" >&2
	exit 2
fi
vmemu=$1
mode=$2
shift 2
mode_args=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	mode_args="$mode_args $1"
	shift
done
if [ $# -lt 2 ]; then
	echo "run_guest.sh: missing -- PROG" >&2
	exit 2
fi
shift # --
prog=$1
shift
# "$@" is now the program's arguments.

timeout_s=${GUEST_TIMEOUT:-300}
vmemu_flags=${VMEMU_FLAGS:-}

if [ ! -x "$prog" ]; then
	if [ $optional = 1 ]; then
		echo "SKIP: $prog is not installed (e.g. apt-get install busybox-static)"
		exit 77
	fi
	echo "FAIL: guest program $prog does not exist or is not executable"
	exit 1
fi
if [ $native_only = 0 ] && [ ! -x "$vmemu" ]; then
	echo "FAIL: vmemu binary $vmemu does not exist (build the vmemu target)"
	exit 1
fi

if [ -n "$root" ]; then
	if [ ! -d "$root" ]; then
		echo "FAIL: --root $root is not a directory"
		exit 1
	fi
	vmemu_flags="$vmemu_flags --root $root"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/run_guest.XXXXXX") || exit 1
case $work in /*) ;; *) work=$(pwd)/$work ;; esac
case $stdin in /*) ;; *) stdin=$(pwd)/$stdin ;; esac
case $prog in /*) ;; */*) prog=$(pwd)/$prog ;; esac
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
ulimit -c 0 2>/dev/null

# Same locale for both runs, whatever the caller has.
LC_ALL=C
export LC_ALL

have_timeout=0
command -v timeout >/dev/null 2>&1 && have_timeout=1

# run NAME CMD... : runs CMD with stdout/stderr into $work/NAME.out/.err and
# sets $st to its status (128+N when killed by signal N, 124 on timeout).
run() {
	name=$1
	shift
	if [ $deleted_cwd = 1 ]; then
		run_from=$(pwd)
		mkdir "$work/cwd.$name" && cd "$work/cwd.$name" && rmdir "$work/cwd.$name" || exit 1
	fi
	if [ $have_timeout = 1 ]; then
		{ timeout -k 10 "$timeout_s" "$@" <"$stdin" >"$work/$name.out" 2>"$work/$name.err"; st=$?; } 2>/dev/null
	else
		{ "$@" <"$stdin" >"$work/$name.out" 2>"$work/$name.err"; st=$?; } 2>/dev/null
	fi
	if [ $deleted_cwd = 1 ]; then
		cd "$run_from" || exit 1
	fi
	# dash reports a child's death by signal on the redirected stderr.
	if [ -f "$work/$name.err" ]; then
		grep -v -x -e 'Segmentation fault' -e 'Bus error' -e 'Illegal instruction' \
			"$work/$name.err" >"$work/$name.err2"
		mv "$work/$name.err2" "$work/$name.err"
	fi
}

# run_native CMD... : run native CMD..., in $root when --root was given.
run_native() {
	if [ -n "$root" ]; then
		here=$(pwd)
		cd "$root" || exit 1
		run native "$@"
		cd "$here" || exit 1
	else
		run native "$@"
	fi
}

show() { # show NAME LABEL : the first lines of a run's stderr and stdout
	if [ -s "$work/$1.err" ]; then
		echo "--- $2 stderr (first 20 lines):"
		head -n 20 "$work/$1.err"
	fi
	if [ -s "$work/$1.out" ]; then
		echo "--- $2 stdout (first 20 lines):"
		head -n 20 "$work/$1.out"
	fi
}

describe() { # describe STATUS : words for an exit status
	case $1 in
	124) echo "$1 (timed out after ${timeout_s}s)" ;;
	125) echo "$1 (vmemu usage error)" ;;
	126) echo "$1 (bad executable)" ;;
	127) echo "$1 (not found)" ;;
	129|13[0-9]|14[0-9]|15[0-9]) echo "$1 (signal $(($1 - 128)))" ;;
	*) echo "$1" ;;
	esac
}

# signum NAME : number of a signal given as SIGSEGV, SEGV or 11
signum() {
	case ${1#SIG} in
	[0-9]*) echo "${1#SIG}" ;;
	HUP) echo 1 ;; INT) echo 2 ;; QUIT) echo 3 ;; ILL) echo 4 ;; TRAP) echo 5 ;;
	ABRT) echo 6 ;; BUS) echo 7 ;; FPE) echo 8 ;; KILL) echo 9 ;; USR1) echo 10 ;;
	SEGV) echo 11 ;; USR2) echo 12 ;; PIPE) echo 13 ;; ALRM) echo 14 ;; TERM) echo 15 ;;
	SYS) echo 31 ;;
	*) echo "run_guest.sh: unknown signal $1" >&2; exit 2 ;;
	esac
}

# stat_value FLAT KEY : the largest "KEY": N in the whitespace-free JSON
# file FLAT (KEY may be SECTION.KEY: only the innermost object
# "SECTION":{...} is searched; failing an exact match, a key ending in KEY
# counts); empty when there is none.
stat_value() {
	sv_flat=$1
	sv_key=$2
	case $sv_key in
	*.*)
		grep -o "\"${sv_key%.*}\":{[^{}]*}" "$sv_flat" >"$sv_flat.sec"
		sv_flat=$sv_flat.sec
		sv_key=${sv_key##*.}
		;;
	esac
	sv_got=$(grep -o "\"$sv_key\":[0-9][0-9]*" "$sv_flat" | sed 's/.*://' | sort -n | tail -n 1)
	if [ -z "$sv_got" ]; then
		sv_got=$(grep -o "\"[A-Za-z0-9_.]*$sv_key\":[0-9][0-9]*" "$sv_flat" | sed 's/.*://' |
			sort -n | tail -n 1)
	fi
	echo "$sv_got"
}

# check_stats JSON COND... : every COND (KEY>=N or KEY<=N) holds in the
# --stats-json file JSON; prints one FAIL line per condition that does not,
# then the JSON's beginning, and returns 1.
check_stats() {
	cs_json=$1
	shift
	if [ ! -s "$cs_json" ]; then
		echo "FAIL: vmemu --stats-json did not write $cs_json"
		return 1
	fi
	tr -d ' \t\r\n' <"$cs_json" >"$work/stats.flat"
	cs_fail=0
	for cs_cond in "$@"; do
		case $cs_cond in
		*'>='*) cs_key=${cs_cond%%>=*}; cs_op=ge; cs_want=${cs_cond#*>=} ;;
		*'<='*) cs_key=${cs_cond%%<=*}; cs_op=le; cs_want=${cs_cond#*<=} ;;
		*) echo "run_guest.sh: bad condition $cs_cond (KEY>=N or KEY<=N)" >&2; exit 2 ;;
		esac
		case $cs_want in
		''|*[!0-9]*) echo "run_guest.sh: bad number in $cs_cond" >&2; exit 2 ;;
		esac
		cs_got=$(stat_value "$work/stats.flat" "$cs_key")
		if [ -z "$cs_got" ]; then
			echo "FAIL: no \"$cs_key\": NUMBER in the --stats-json output"
			cs_fail=1
		elif { [ $cs_op = ge ] && [ "$cs_got" -ge "$cs_want" ]; } ||
			{ [ $cs_op = le ] && [ "$cs_got" -le "$cs_want" ]; }; then
			echo "stats: $cs_key = $cs_got ($cs_cond)"
		else
			echo "FAIL: $cs_key is $cs_got under vmemu for $cmdline, expected $cs_cond"
			cs_fail=1
		fi
	done
	if [ $cs_fail = 1 ]; then
		head -c 2000 "$cs_json"
		echo
		return 1
	fi
	return 0
}

cmdline="$prog"
for a in "$@"; do cmdline="$cmdline '$a'"; done

case $mode in
compare | compare-stats)
	run_native "$prog" "$@"
	if [ "$st" != "$expect_status" ]; then
		echo "FAIL: native run of $cmdline exited $(describe "$st"), expected $expect_status: the test program or the host is wrong, not vmemu"
		show native native
		exit 1
	fi
	[ $native_only = 1 ] && { echo "PASS (native only): $cmdline"; exit 0; }
	native_st=$st
	json=$work/stats.json
	run vmemu "$vmemu" run $vmemu_flags --stats-json "$json" "$prog" "$@" $vmemu_args
	vm_st=$st
	fail=0
	if [ "$vm_st" != "$native_st" ]; then
		echo "FAIL: under vmemu $cmdline exited $(describe "$vm_st"), natively $(describe "$native_st")"
		fail=1
	fi
	if ! cmp -s "$work/native.out" "$work/vmemu.out"; then
		echo "FAIL: stdout under vmemu differs from the native run of $cmdline (- native, + vmemu):"
		diff -u "$work/native.out" "$work/vmemu.out" | head -n 60
		fail=1
	fi
	if [ $fail = 1 ]; then
		show vmemu vmemu
		exit 1
	fi
	# compare-stats: conditions on the counters too (none for compare).
	check_stats "$json" $mode_args || exit 1
	echo "PASS: $cmdline (exit $vm_st, $(wc -c <"$work/vmemu.out") bytes of stdout equal)"
	;;
expect-signal)
	set -- $mode_args "$@"
	sig=$1
	shift
	n=$(signum "$sig") || exit 2
	want=$((128 + n))
	run_native "$prog" "$@"
	if [ "$st" != "$want" ]; then
		echo "FAIL: native run of $cmdline exited $(describe "$st"), expected death by $sig ($want): the test program or the host is wrong"
		show native native
		exit 1
	fi
	[ $native_only = 1 ] && { echo "PASS (native only): $cmdline died by $sig"; exit 0; }
	run vmemu "$vmemu" run $vmemu_flags "$prog" "$@" $vmemu_args
	if [ "$st" != "$want" ]; then
		echo "FAIL: under vmemu $cmdline exited $(describe "$st"), expected $want (killed by $sig)"
		show vmemu vmemu
		exit 1
	fi
	if ! cmp -s "$work/native.out" "$work/vmemu.out"; then
		echo "FAIL: stdout under vmemu differs from the native run of $cmdline (- native, + vmemu): it died at another place"
		diff -u "$work/native.out" "$work/vmemu.out" | head -n 60
		show vmemu vmemu
		exit 1
	fi
	name=SIG${sig#SIG}
	case $name in SIG[0-9]*) name=;; esac
	if [ -n "$name" ] && ! grep -q "killed by $name" "$work/vmemu.err"; then
		echo "FAIL: under vmemu $cmdline exited $want but stderr does not say \"killed by $name\""
		show vmemu vmemu
		exit 1
	fi
	echo "PASS: $cmdline died by $sig natively and under vmemu:"
	grep "killed by" "$work/vmemu.err" | head -n 1
	;;
stats-min|stats-max)
	set -- $mode_args "$@"
	key=$1
	min=$2
	shift 2
	if [ $native_only = 1 ]; then
		run_native "$prog" "$@"
		if [ "$st" != 0 ]; then
			echo "FAIL: native run of $cmdline exited $(describe "$st")"
			show native native
			exit 1
		fi
		echo "PASS (native only): $cmdline"
		exit 0
	fi
	json=$work/stats.json
	run vmemu "$vmemu" run $vmemu_flags --stats-json "$json" "$prog" "$@" $vmemu_args
	if [ "$st" != 0 ]; then
		echo "FAIL: under vmemu $cmdline exited $(describe "$st"), expected 0"
		show vmemu vmemu
		exit 1
	fi
	if [ ! -s "$json" ]; then
		echo "FAIL: vmemu --stats-json did not write $json"
		show vmemu vmemu
		exit 1
	fi
	# All whitespace out, then every "KEY":N (or, failing that, a key that
	# ends in KEY, such as "faults_KEY"); the largest N counts.
	flat=$work/stats.flat
	tr -d ' \t\r\n' <"$json" >"$flat"
	case $key in
	*.*) # SECTION.KEY: only the innermost object "SECTION":{...} (no nested braces)
		section=${key%.*}
		key=${key##*.}
		grep -o "\"$section\":{[^{}]*}" "$flat" >"$flat.sec"
		mv "$flat.sec" "$flat"
		;;
	esac
	# stats-min judges the largest value, stats-max also the largest.
	got=$(grep -o "\"$key\":[0-9][0-9]*" "$flat" | sed 's/.*://' | sort -n | tail -n 1)
	if [ -z "$got" ]; then
		got=$(grep -o "\"[A-Za-z0-9_.]*$key\":[0-9][0-9]*" "$flat" | sed 's/.*://' | sort -n | tail -n 1)
	fi
	if [ -z "$got" ]; then
		echo "FAIL: no \"$key\": NUMBER in the --stats-json output; it begins:"
		head -c 2000 "$json"
		echo
		exit 1
	fi
	if [ "$mode" = stats-max ]; then
		if [ "$got" -gt "$min" ]; then
			echo "FAIL: $key is $got under vmemu for $cmdline, expected at most $min"
			head -c 2000 "$json"
			echo
			exit 1
		fi
		echo "PASS: $cmdline: $key = $got (<= $min)"
		exit 0
	fi
	if [ "$got" -lt "$min" ]; then
		echo "FAIL: $key is $got under vmemu for $cmdline, expected at least $min"
		head -c 2000 "$json"
		echo
		exit 1
	fi
	echo "PASS: $cmdline: $key = $got (>= $min)"
	;;
vmemu-expect)
	if [ $native_only = 1 ]; then
		run_native "$prog" "$@"
		if [ "$st" != "$expect_status" ]; then
			echo "FAIL: native run of $cmdline exited $(describe "$st"), expected $expect_status: the test program or the host is wrong, not vmemu"
			show native native
			exit 1
		fi
		echo "PASS (native only): $cmdline"
		exit 0
	fi
	json=$work/stats.json
	if [ -n "$mode_args" ]; then
		run vmemu "$vmemu" run $vmemu_flags --stats-json "$json" "$prog" "$@" $vmemu_args
	else
		run vmemu "$vmemu" run $vmemu_flags "$prog" "$@" $vmemu_args
	fi
	fail=0
	if [ "$st" != "$expect_status" ]; then
		echo "FAIL: under vmemu $cmdline exited $(describe "$st"), expected $expect_status"
		fail=1
	fi
	printf '%s' "$expect_out" >"$work/expect.out"
	if ! cmp -s "$work/expect.out" "$work/vmemu.out"; then
		echo "FAIL: stdout under vmemu of $cmdline is not the expected one (- expected, + vmemu):"
		diff -u "$work/expect.out" "$work/vmemu.out" | head -n 60
		fail=1
	fi
	printf '%s' "$expect_err" >"$work/expect.err"
	while IFS= read -r text; do
		if ! grep -q -F -e "$text" "$work/vmemu.err"; then
			echo "FAIL: stderr under vmemu of $cmdline does not contain \"$text\""
			fail=1
		fi
	done <"$work/expect.err"
	if [ $fail = 1 ]; then
		show vmemu vmemu
		exit 1
	fi
	if [ -n "$mode_args" ]; then
		check_stats "$json" $mode_args || { show vmemu vmemu; exit 1; }
	fi
	echo "PASS: $cmdline under vmemu (exit $st, stdout as expected); stderr:"
	head -n 5 "$work/vmemu.err"
	;;
*)
	echo "run_guest.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
exit 0
