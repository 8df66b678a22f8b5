#!/bin/sh
# trace_session.sh VMEMU PROG - `vmemu run --trace` checked against the
# schema (with jq, independently of vmemu) and against --stats-json of the
# same run, then `vmemu report`. PROG is mem_swap_fork (8 MiB shared
# copy-on-write by two processes, in 16 MiB of memory with swap), so the
# trace has walks, TLB hits, every kind of fault, system calls and
# switches. Checks:
#   1. every line is valid JSON of the documented schema;
#   2. walk events = "walks"; tlb events = translations - walks; fault
#      events = faults.total; syscalls = syscalls.total; sched events =
#      context_switches; the end line's icount = "instructions";
#   3. the .gz and .zst files are sound (gzip -t, zstd -t);
#   4. --trace-limit N writes N events and counts the rest as dropped;
#      --trace-filter keeps only events at addresses in the range;
#   5. vmemu report reads it (its walk count agrees) and writes an SVG;
#      a broken line is refused with its line number (exit 1).
vmemu=${1:?usage: trace_session.sh VMEMU PROG}
prog=${2:?usage: trace_session.sh VMEMU PROG}
for tool in jq gzip zstd; do
	command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool is not installed"; exit 77; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vmemu-trace.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}
flags="--mem 16M --swap 64M"

# The schema of README.md ("Trace files"), in jq: true for a valid event.
schema='
def hex: type == "string" and test("^0x[0-9a-f]+$");
def num: type == "number";
def common: (.icount | num) and (.pid | num) and (.rip | hex);
def access: (.va | hex) and (.access | IN("read", "write", "fetch")) and (.user | type == "boolean");
def level: (.level | IN("pml5e", "pml4e", "pdpte", "pde", "pte")) and (.pa | hex)
	and (.old | hex) and (.new | hex) and (.rights | test("^[w-][u-][x-]$"));
def size: IN(4096, 2097152, 1073741824);
if .ev == "walk" then
	common and access and (.result | IN("ok", "fault")) and (.stale | type == "boolean")
	and (.levels | type == "array" and length >= 1 and length <= 5 and all(.[]; level))
	and (if .result == "ok" then (.pa | hex) and (.page_size | size)
	     else (.fault.kind | type == "string") and (.fault.error_code | num)
		and (.fault.level | type == "string") end)
elif .ev == "tlb" then
	common and access and .result == "hit" and (.tlb | IN("L1 dTLB", "L1 iTLB", "L2 STLB"))
	and (.pa | hex) and (.page_size | size)
elif .ev == "fault" then
	common and access and (.result | type == "string") and (.error_code | num)
	and (.kind | type == "string") and (.pte_old | hex) and (.pte_new | hex)
	and (.vma | type == "string" or . == null)
elif .ev == "syscall" then
	common and (.nr | num) and (.name | type == "string" or . == null)
	and (.args | length == 6 and all(.[]; hex)) and (.result | num)
	and (.restart | type == "boolean") and (.noreturn | type == "boolean")
elif .ev == "sched" then common and (.from | num) and (.to | num)
elif .ev == "end" then (.icount | num) and (.events | num) and (.dropped | num)
else false end'

trace=$work/t.jsonl.gz
"$vmemu" run $flags --trace "$trace" --trace-events walks,tlb,faults,syscalls,sched \
	--stats-json "$work/s.json" "$prog" 8 >"$work/out" 2>"$work/err" ||
	{ cat "$work/err"; fail "vmemu run --trace exited $?"; }

# 1. The schema.
gzip -dc "$trace" >"$work/t.jsonl" || fail "the .gz trace does not decompress"
jq -c "select(($schema) | not)" "$work/t.jsonl" >"$work/bad" 2>"$work/jq.err" ||
	fail "jq cannot read the trace: $(head -c 300 "$work/jq.err")"
[ ! -s "$work/bad" ] || fail "$(wc -l <"$work/bad") lines do not fit the schema, e.g. $(head -n 1 "$work/bad")"
tail -n 1 "$work/t.jsonl" | jq -e '.ev == "end" and .dropped == 0' >/dev/null || fail "no end line last"
echo "schema: $(wc -l <"$work/t.jsonl") lines valid"

# 2. The counts agree with --stats-json.
jq -r .ev "$work/t.jsonl" | sort | uniq -c >"$work/evs"
count() { awk -v e="$1" '$2 == e { n = $1 } END { print n + 0 }' "$work/evs"; }
stat() { jq -r "$1" "$work/s.json"; }
walks=$(count walk)
[ "$walks" = "$(stat .mmu.walks)" ] || fail "$walks walk events, --stats says $(stat .mmu.walks) page walks"
[ "$walks" -gt 1000 ] || fail "only $walks walks: the run is too small to judge"
hits=$(count tlb)
[ "$hits" = "$(( $(stat .mmu.translations) - $(stat .mmu.walks) ))" ] ||
	fail "$hits tlb events, --stats says $(stat .mmu.translations) translations and $(stat .mmu.walks) walks"
[ "$(count fault)" = "$(stat .faults.total)" ] || fail "$(count fault) fault events, --stats: $(stat .faults.total)"
[ "$(count syscall)" = "$(stat .syscalls.total)" ] || fail "$(count syscall) syscall events, --stats: $(stat .syscalls.total)"
[ "$(count sched)" = "$(stat .processes.context_switches)" ] ||
	fail "$(count sched) sched events, --stats: $(stat .processes.context_switches) context switches"
[ "$(tail -n 1 "$work/t.jsonl" | jq .icount)" = "$(stat .instructions)" ] || fail "the end line's icount is not --stats' instructions"
for r in swap-in cow-copied demand-zero; do
	jq -r 'select(.ev == "fault") | .result' "$work/t.jsonl" | grep -qx "$r" || fail "no $r fault in the trace"
done
echo "counts: $walks walks = page walks, $hits TLB hits = translations - walks, $(count fault) faults, $(count syscall) syscalls, $(count sched) switches"

# 3. zstd, and gzip's own check.
"$vmemu" run $flags --trace "$work/t.jsonl.zst" "$prog" 8 >/dev/null 2>&1 || fail "the .zst run failed"
gzip -t "$trace" || fail "gzip -t fails on the .gz trace"
zstd -q -t "$work/t.jsonl.zst" || fail "zstd -t fails on the .zst trace"
zstd -q -dc "$work/t.jsonl.zst" | tail -n 1 | jq -e '.ev == "end"' >/dev/null ||
	fail "the .zst trace does not end with its end line"

# 4. --trace-limit and --trace-filter.
"$vmemu" run $flags --trace "$work/l.jsonl" --trace-limit 100 "$prog" 8 >/dev/null 2>&1 || fail "the limited run failed"
[ "$(wc -l <"$work/l.jsonl")" = 101 ] || fail "--trace-limit 100 wrote $(wc -l <"$work/l.jsonl") lines"
tail -n 1 "$work/l.jsonl" | jq -e '.events == 100 and .dropped > 0' >/dev/null || fail "the limited trace's end line: $(tail -n 1 "$work/l.jsonl")"
"$vmemu" run $flags --trace "$work/f.jsonl" --trace-filter 400000-500000 "$prog" 8 >/dev/null 2>&1 || fail "the filtered run failed"
outside=$(jq -r 'def pad: ltrimstr("0x") | ("0000000000000000" + .)[-16:];
	select(.va and ((.va | pad) < "0000000000400000" or (.va | pad) >= "0000000000500000")) | .va' \
	"$work/f.jsonl" | head -n 1)
[ -z "$outside" ] || fail "--trace-filter 400000-500000 let an event at $outside through"
jq -r .ev "$work/f.jsonl" | grep -qx walk || fail "--trace-filter 400000-500000 kept no walk"
echo "limit and filter: ok"

# 5. vmemu report.
"$vmemu" report --svg "$work/t.svg" "$trace" >"$work/report" 2>&1 || fail "vmemu report exited $?: $(cat "$work/report")"
grep -q "^  walk  *$walks$" "$work/report" || fail "vmemu report counts other walks: $(head -n 4 "$work/report")"
grep -q '^page faults by VMA and kind:$' "$work/report" || fail "no fault table"
grep -q ' swap-in ' "$work/report" || fail "the fault table has no swap-in"
grep -q '^page walks by depth' "$work/report" || fail "no depth table"
grep -q '^TLB misses (page walks) by page' "$work/report" || fail "no page table"
grep -q '^<svg ' "$work/t.svg" && grep -q '#d62728' "$work/t.svg" && grep -q '</svg>' "$work/t.svg" ||
	fail "the SVG has no faults plotted"
head -n 5 "$work/t.jsonl" >"$work/broken.jsonl"
echo '{"ev":"walk","icount":1}' >>"$work/broken.jsonl"
"$vmemu" report "$work/broken.jsonl" >/dev/null 2>"$work/broken.err"
st=$?
[ $st = 1 ] || fail "a broken trace gave exit $st, not 1"
grep -q "broken.jsonl:6: not a trace event: no member pid:n" "$work/broken.err" ||
	fail "the broken line is not named: $(cat "$work/broken.err")"
echo "report: ok"
echo "PASS"
