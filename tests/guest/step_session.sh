#!/bin/sh
# step_session.sh VMEMU PROG - a scripted `vmemu step` session over
# step_faults.c (built with symbols: nm finds its labels). It checks, in
# this order:
#   1. the write of step_touch: a walk that ends at an empty pte, #PF error
#      code 0x6 (W|U) not-present at pte, the kernel's demand-zero, and the
#      retried walk whose pte gets A and D; that pte's physical address and
#      value are the ones `pt` prints for the page right after;
#   2. the write of step_cow: #PF error code 0x7 (P|W|U), protection at pte,
#      and the kernel's copy-on-write ("cow-copied" or "cow-reused"), the
#      pte again as `pt` shows it;
#   3. the read of step_read: a pte that holds a swap entry, #PF error code
#      0x4 (U), the kernel's swap-in, and the new pte as `pt` shows it;
#   4. bad input: an unknown command gets one error line and the next
#      command runs; a non-canonical address is named as such;
#   5. a second session: `watch` on the fresh page stops right after the
#      write that changed its pte, showing that instruction.
# The guest runs in 16 MiB with 64 MiB of swap, so step_faults' memory
# pressure swaps its page out.
vmemu=${1:?usage: step_session.sh VMEMU PROG}
prog=${2:?usage: step_session.sh VMEMU PROG}
work=$(mktemp -d "${TMPDIR:-/tmp}/vmemu-step.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*"
	echo "---- the session's output ($work/out) ----"
	cat "$work/out"
	exit 1
}

label() {
	nm "$prog" | awk -v n="$1" '$3 == n { print "0x" $1 }'
}
touch=$(label step_touch)
cow=$(label step_cow)
rd=$(label step_read)
[ -n "$touch" ] && [ -n "$cow" ] && [ -n "$rd" ] || { echo "FAIL: no step_* labels in $prog"; exit 1; }

cat >"$work/cmds" <<EOF
frobnicate now
walk 0x800000000000
break $touch
break $cow
break $rd
continue
step
pt \$rdi
continue
step
pt \$rdi
continue
step
pt \$rdi
continue
EOF
"$vmemu" step --mem 16M --swap 64M --commands "$work/cmds" "$prog" >"$work/out" 2>"$work/err"
st=$?
[ $st = 0 ] || { cat "$work/err"; fail "vmemu step exited $st"; }
grep -q '^\[the guest exited with status 0\]$' "$work/out" || fail "the guest did not exit with status 0"

# 4. Bad input.
grep -A1 '^(vmemu) frobnicate now$' "$work/out" | grep -q "^error: unknown command 'frobnicate' (try help)$" ||
	fail "no one-line error for an unknown command"
grep -A1 '^(vmemu) walk 0x800000000000$' "$work/out" | grep -q "^0x800000000000 is not canonical" ||
	fail "the non-canonical address is not named so"
grep -q '^breakpoint 3 at ' "$work/out" || fail "the commands after the bad one did not run"

# The text of step number $1 (1..3): from the "(vmemu) step" line to the
# next prompt, and of the pt after it.
section() {
	awk -v want="$1" -v what="$2" '
		/^\(vmemu\) / { in_step = 0; in_pt = 0 }
		/^\(vmemu\) step$/ { n++; in_step = (n == want); next }
		/^\(vmemu\) pt / { in_pt = (n == want); next }
		(what == "step" && in_step) || (what == "pt" && in_pt) { print }
	' "$work/out"
}

# check_fault N CODE TEXT KIND OUTCOME: step N shows a walk ending at the
# pte with #PF CODE (TEXT), KIND at pte, then "kernel: OUTCOME", then a
# walk that succeeds; the pte line of that last walk equals pt's line for
# the same entry, and has the A bit (and D when D is 1).
check_fault() {
	n=$1 code=$2 text=$3 kind=$4 outcome=$5 dirty=$6
	section "$n" step >"$work/step$n"
	section "$n" pt >"$work/pt$n"
	awk -v code="$code" -v text="$text" -v kind="$kind" -v outcome="$outcome" '
		state == 0 && /^    pte / { pte_seen = 1 }
		state == 0 && index($0, "#PF error code " code " (" text "), cr2 ") && index($0, kind " at pte") {
			if (!pte_seen) { print "the walk did not reach the pte"; exit 1 }
			state = 1; next
		}
		state == 1 && /^  kernel: / {
			if (!index($0, "kernel: " outcome)) { print "kernel did: " $0; exit 1 }
			state = 2; next
		}
		state == 2 && /^    pte / { last = $0 }
		state == 2 && /^    -> pa / { state = 3 }
		END {
			if (state != 3) { print "stopped in state " state + 0; exit 1 }
			print last > "/dev/stderr"
		}
	' "$work/step$n" 2>"$work/pte$n" >"$work/why$n" ||
		fail "step $n: expected #PF $code ($text, $kind at pte), kernel: $outcome, a walk again: $(cat "$work/why$n")"
	# "    pte   @0xPA  0xOLD -> 0xNEW  bits..." of the retried walk
	entry=$(awk '{ print $2 }' "$work/pte$n")
	new=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "->") { print $(i + 1); exit } }' "$work/pte$n")
	[ -n "$entry" ] && [ -n "$new" ] || fail "step $n: the retried walk set no bit in the pte: $(cat "$work/pte$n")"
	low=${new#"${new%??}"} # the low byte: A is bit 5, D bit 6 (sh has signed 64-bit numbers)
	a=$(( 0x$low & 0x20 )) d=$(( 0x$low & 0x40 ))
	[ $a != 0 ] || fail "step $n: the retried walk left A clear in $new"
	if [ "$dirty" = 1 ] && [ $d = 0 ]; then fail "step $n: the retried write left D clear in $new"; fi
	if [ "$dirty" = 0 ] && [ $d != 0 ]; then fail "step $n: the read set D in $new"; fi
	# pt prints "pte[N] @0xPA 0xVALUE ..." for the same entry.
	ptval=$(awk -v e="$entry" '$2 == e { print $3 }' "$work/pt$n")
	[ "$ptval" = "$new" ] || fail "step $n: pt shows ${ptval:-nothing} at $entry, the walk left $new"
	echo "step $n: #PF $code ($text) $kind at pte, kernel: $outcome; pte $entry = $new, as pt shows"
}

check_fault 1 0x6 'W|U' not-present demand-zero 1
grep -q '^    pte .* empty' "$work/step1" || fail "step 1: the first walk's pte is not empty"
check_fault 2 0x7 'P|W|U' protection cow- 1
grep -Eq '^  kernel: cow-(copied|reused) ' "$work/step2" || fail "step 2: neither copied nor reused"
check_fault 3 0x4 'U' not-present swap-in 0
grep -q '^    pte .* not present: swap entry, slot ' "$work/step3" || fail "step 3: the pte held no swap entry"

# The three faults come in the program's order.
order=$(grep -nE '^  kernel: (demand-zero \(a new|cow-copied|cow-reused|swap-in)' "$work/out" | cut -d: -f1 | tr '\n' ' ')
first=$(grep -n '^  kernel: demand-zero (a new' "$work/out" | head -n 1 | cut -d: -f1)
second=$(grep -nE '^  kernel: cow-(copied|reused)' "$work/out" | head -n 1 | cut -d: -f1)
third=$(grep -n '^  kernel: swap-in' "$work/out" | head -n 1 | cut -d: -f1)
[ "$first" -lt "$second" ] && [ "$second" -lt "$third" ] || fail "the faults are out of order: $order"

# 5. A watch on the fresh page stops after the write that changed its pte.
cat >"$work/cmds2" <<EOF
break $touch
continue
watch \$rdi
continue
quit
EOF
"$vmemu" step --commands "$work/cmds2" "$prog" >"$work/out" 2>"$work/err"
st=$?
[ $st = 0 ] || fail "the watch session exited $st"
grep -q '^watch 1: the pte of 0x[0-9a-f]* changed: 0x0000000000000000 -> 0x[0-9a-f]*67, by:$' "$work/out" ||
	fail "no stop for the watched pte (0 -> present, accessed and dirty)"
grep -A1 '^watch 1: the pte' "$work/out" | grep -q "$(printf '%s' "$touch" | sed 's/^0x0*/0x/')  mov byte ptr \[rdi\], 1" ||
	fail "the watch stop does not show step_touch's write"
grep -q '^\[the guest was killed\]$' "$work/out" || fail "quit did not kill the guest"
echo "watch: stopped after the write that changed the pte"
echo "PASS"
