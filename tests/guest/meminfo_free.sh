#!/bin/sh
# meminfo_free.sh - `busybox free` inside the guest against `vmemu run
# --meminfo`: both read the same kernel counters (busybox through
# sysinfo(2) and /proc/meminfo's Cached, SReclaimable and MemAvailable),
# busybox while it runs, --meminfo once it has exited.
#
# usage: meminfo_free.sh VMEMU BUSYBOX [VMEMU-OPTIONS...]
#
# Totals and swap must be equal. busybox's exit gives back its own memory
# (its pages and page tables: about 2 MiB, under TOLERANCE_KB), so at the end free
# plus buff/cache may only have grown, by less than that, and used shrunk alike;
# free, buff/cache, shared and available stay within it too. Exit: 0 pass,
# 1 fail, 77 no busybox.
set -u
TOLERANCE_KB=6144

vmemu=$1
busybox=$2
shift 2
if [ ! -x "$busybox" ]; then
	echo "SKIP: $busybox is not installed (apt-get install busybox-static)"
	exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/meminfo_free.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

"$vmemu" run "$@" --meminfo "$busybox" free >"$work/out" 2>"$work/err"
st=$?
echo "--- busybox free inside the guest (stdout):"
cat "$work/out"
echo "--- vmemu --meminfo (stderr):"
cat "$work/err"
if [ $st != 0 ]; then
	echo "FAIL: vmemu exited $st"
	exit 1
fi

# row FILE NAME: the numbers of the row NAME ("Mem:" or "Swap:")
row() { awk -v name="$2" '$1 == name { $1 = ""; print }' "$1"; }
set -- $(row "$work/out" Mem:) $(row "$work/out" Swap:)
if [ $# != 9 ]; then
	echo "FAIL: busybox free printed no Mem:/Swap: rows of 6 and 3 numbers"
	exit 1
fi
bb_total=$1 bb_used=$2 bb_free=$3 bb_shared=$4 bb_cache=$5 bb_avail=$6
bb_stotal=$7 bb_sused=$8 bb_sfree=$9
set -- $(row "$work/err" Mem:) $(row "$work/err" Swap:)
if [ $# != 9 ]; then
	echo "FAIL: --meminfo printed no Mem:/Swap: rows of 6 and 3 numbers"
	exit 1
fi
vm_total=$1 vm_used=$2 vm_free=$3 vm_shared=$4 vm_cache=$5 vm_avail=$6
vm_stotal=$7 vm_sused=$8 vm_sfree=$9

fail=0
check() { # check WHAT CONDITION...
	what=$1
	shift
	if ! [ "$@" ]; then
		echo "FAIL: $what"
		fail=1
	fi
}
within() { # within A B: |A - B| <= TOLERANCE_KB
	d=$(($1 - $2))
	[ ${d#-} -le $TOLERANCE_KB ]
}
check "total: busybox $bb_total, --meminfo $vm_total" "$bb_total" -eq "$vm_total"
check "swap total: busybox $bb_stotal, --meminfo $vm_stotal" "$bb_stotal" -eq "$vm_stotal"
check "swap used/free differ" "$bb_sused $bb_sfree" = "$vm_sused $vm_sfree"
# Text pages busybox touches after its sysinfo (demand-paged from the file)
# stay in the page cache when it exits: free may shrink by those, but free
# plus buff/cache may only grow.
check "free + buff/cache shrank at exit: busybox $bb_free + $bb_cache, --meminfo $vm_free + $vm_cache" \
	$((vm_free + vm_cache)) -ge $((bb_free + bb_cache))
within "$vm_free" "$bb_free" || check "free: busybox $bb_free, --meminfo $vm_free" 0 = 1
check "used grew at exit: busybox $bb_used, --meminfo $vm_used" "$vm_used" -le "$bb_used"
within "$vm_used" "$bb_used" || check "used: busybox $bb_used, --meminfo $vm_used" 0 = 1
within "$vm_shared" "$bb_shared" || check "shared: busybox $bb_shared, --meminfo $vm_shared" 0 = 1
within "$vm_cache" "$bb_cache" || check "buff/cache: busybox $bb_cache, --meminfo $vm_cache" 0 = 1
within "$vm_avail" "$bb_avail" || check "available: busybox $bb_avail, --meminfo $vm_avail" 0 = 1
check "--meminfo: total != used + free + buff/cache" \
	"$vm_total" -eq $((vm_used + vm_free + vm_cache))
[ $fail = 0 ] || exit 1
echo "PASS: busybox free and --meminfo agree (free $bb_free -> $vm_free kB at exit)"
