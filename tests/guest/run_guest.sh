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
#   --root DIR      vmemu runs with --root DIR, where the guest's cwd is "/",
#                   i.e. DIR; the native run runs with DIR as its cwd. Use
#                   relative paths in ARGS so both runs see the same files.
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
while [ $# -gt 0 ]; do
	case $1 in
	--status) expect_status=$2; shift 2 ;;
	--stdin) stdin=$2; shift 2 ;;
	--native-only) native_only=1; shift ;;
	--optional) optional=1; shift ;;
	--vmemu-arg) vmemu_args="$vmemu_args $2"; shift 2 ;;
	--root) root=$2; shift 2 ;;
	--*) echo "run_guest.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -lt 4 ]; then
	echo "usage: run_guest.sh [--status N] [--stdin FILE] [--native-only] [--optional] [--vmemu-arg ARG] [--root DIR] VMEMU MODE [MODE-ARGS] -- PROG [ARGS...]" >&2
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
	if [ $have_timeout = 1 ]; then
		{ timeout -k 10 "$timeout_s" "$@" <"$stdin" >"$work/$name.out" 2>"$work/$name.err"; st=$?; } 2>/dev/null
	else
		{ "$@" <"$stdin" >"$work/$name.out" 2>"$work/$name.err"; st=$?; } 2>/dev/null
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

cmdline="$prog"
for a in "$@"; do cmdline="$cmdline '$a'"; done

case $mode in
compare)
	run_native "$prog" "$@"
	if [ "$st" != "$expect_status" ]; then
		echo "FAIL: native run of $cmdline exited $(describe "$st"), expected $expect_status: the test program or the host is wrong, not vmemu"
		show native native
		exit 1
	fi
	[ $native_only = 1 ] && { echo "PASS (native only): $cmdline"; exit 0; }
	native_st=$st
	run vmemu "$vmemu" run $vmemu_flags "$prog" "$@" $vmemu_args
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
*)
	echo "run_guest.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
exit 0
