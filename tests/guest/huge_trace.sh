#!/bin/sh
# huge_trace.sh VMEMU THP_PROG LA57_PROG - the walks a trace shows for huge
# pages and 5-level paging (with jq):
#   1. thp fault (64 MiB with MADV_HUGEPAGE): 32 walks find a 2 MiB page,
#      each ending at its PDE (no PTE level), pml4e/pdpte above it or
#      taken from a paging-structure cache ("psc");
#   2. la57 high under --la57: a walk of the map at 2^52 reads five levels,
#      from the PML5E down.
vmemu=${1:?usage: huge_trace.sh VMEMU THP_PROG LA57_PROG}
thp=${2:?usage: huge_trace.sh VMEMU THP_PROG LA57_PROG}
la57=${3:?usage: huge_trace.sh VMEMU THP_PROG LA57_PROG}
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vmemu-huge-trace.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
fail() {
	echo "FAIL: $*"
	exit 1
}

"$vmemu" run --trace "$work/thp.jsonl" --trace-events walks "$thp" fault >/dev/null ||
	fail "vmemu run $thp fault"
# The distinct 2 MiB pages walked to, and the levels of those walks.
pages=$(jq -r 'select(.ev == "walk" and .result == "ok" and .page_size == 2097152)
	| .pa' "$work/thp.jsonl" | sort -u | wc -l)
[ "$pages" -eq 32 ] || fail "walks reached $pages distinct 2 MiB pages, expected 32"
bad=$(jq -c 'select(.ev == "walk" and .result == "ok" and .page_size == 2097152)
	| [.levels[].level] | select(last != "pde" or index("pte") != null)' "$work/thp.jsonl" |
	head -n 1)
[ -z "$bad" ] || fail "a walk to a 2 MiB page read the levels $bad"
full=$(jq -c 'select(.ev == "walk" and .page_size == 2097152 and (.psc | not))
	| [.levels[].level]' "$work/thp.jsonl" | sort -u)
[ "$full" = '["pml4e","pdpte","pde"]' ] || fail "full walks to 2 MiB pages read $full"

"$vmemu" run --la57 --trace "$work/la57.jsonl" --trace-events walks "$la57" high >/dev/null ||
	fail "vmemu run --la57 $la57 high"
levels=$(jq -c 'select(.ev == "walk" and .result == "ok" and (.va | test("^0x100000000[0-9a-f]{5}$")) and (.psc | not))
	| [.levels[].level]' "$work/la57.jsonl" | head -n 1)
[ "$levels" = '["pml5e","pml4e","pdpte","pde","pte"]' ] ||
	fail "the walk at 2^52 read the levels $levels"
echo "ok: 32 huge pages walked in 3 levels; 2^52 walked in 5"
