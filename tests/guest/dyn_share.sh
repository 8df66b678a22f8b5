#!/bin/sh
# dyn_share.sh VMEMU - the text of a dynamically linked program and its
# libraries, mapped MAP_PRIVATE by each process, is shared through the
# page cache: bash starting /bin/true five times instead of once faults
# in the file pages of four more processes (ld-linux, libc, true), but
# reads almost nothing more from the files (each page is read once).
set -u
vmemu=$1
[ -x /bin/true ] && [ -x /bin/bash ] && command -v jq >/dev/null ||
	{ echo "SKIP: no /bin/true, /bin/bash or jq"; exit 77; }
json=$(mktemp) || exit 1
trap 'rm -f "$json"' EXIT
# stats SCRIPT: "FILE_FAULTS PAGE_CACHE_READS" of bash -c SCRIPT.
stats() {
	"$vmemu" run --stats-json "$json" /bin/bash -c "$1" || { echo "FAIL: bash -c '$1' failed"; exit 1; }
	jq -r '"\(.faults.file) \(.page_cache.reads)"' "$json"
}
set -- $(stats /bin/true) $(stats '/bin/true; /bin/true; /bin/true; /bin/true; /bin/true')
faults=$(($3 - $1)) reads=$(($4 - $2))
echo "four more processes: $faults more file faults, $reads more page-cache reads"
[ "$faults" -ge 100 ] || { echo "FAIL: too few file faults for four more processes"; exit 1; }
[ "$reads" -le 20 ] || { echo "FAIL: the page cache read the files again"; exit 1; }
