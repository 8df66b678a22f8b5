#!/usr/bin/env bash
# bench/mapcount.sh — how long 60,000 one-page maps take (mapcount 60000),
# and mapping until vm.max_map_count stops it with ENOMEM (mapcount limit),
# natively and under vmemu: median wall time of REPS runs each, runners
# interleaved, and the ratio. Self-contained (bench/run is separate).
#
# Environment: VMEMU=PATH (default: build-bench/core/vmemu, built here),
# REPS=N (default 5).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
reps=${REPS:-5}
die() { echo "bench/mapcount.sh: $*" >&2; exit 1; }
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer"
command -v gcc >/dev/null || die "gcc not found"

if [ -n "${VMEMU:-}" ]; then
    vmemu=$VMEMU
else
    echo "building vmemu in build-bench/ ..." >&2
    cmake -S "$top" -B "$top/build-bench" >/dev/null
    cmake --build "$top/build-bench" -j2 --target vmemu >/dev/null
    vmemu=$top/build-bench/core/vmemu
fi
[ -x "$vmemu" ] || die "vmemu binary '$vmemu' is not executable"

work=$(mktemp -d "${TMPDIR:-/tmp}/vmemu-mapcount.XXXXXX")
trap 'rm -rf "$work"' EXIT
gcc -static -O2 -o "$work/mapcount" "$here/mapcount.c"

# Seconds one run takes; its stdout goes to $work/out.$2.
run() {
    local start=$EPOCHREALTIME
    "${@:3}" >"$work/out.$2" || die "'${*:3}' failed"
    echo "$EPOCHREALTIME - $start" | bc -l
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf '%-10s %10s %10s %10s\n' workload native_s vmemu_s vmemu/native
for arg in 60000 limit; do
    : >"$work/native.t"
    : >"$work/vmemu.t"
    for _ in $(seq "$reps"); do
        run "$arg" native "$work/mapcount" "$arg" >>"$work/native.t"
        run "$arg" vmemu "$vmemu" run "$work/mapcount" "$arg" >>"$work/vmemu.t"
        cmp -s "$work/out.native" "$work/out.vmemu" || die "outputs differ for mapcount $arg"
    done
    n=$(median <"$work/native.t")
    v=$(median <"$work/vmemu.t")
    printf '%-10s %10.3f %10.3f %11.2fx\n' "$arg" "$n" "$v" "$(echo "$v / $n" | bc -l)"
done
