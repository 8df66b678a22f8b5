#!/bin/sh
# layers.sh TOP - checks that the project's own #include lines follow the
# layering of DESIGN.md (rule 5) and guest/README.md: core -> loader ->
# guest -> mmu, and inside guest/ sys -> fs, task -> mm. A file may include
# its own subsystem's headers and the public header of a subsystem below
# it; X/internal.h stays inside X. Only core/ includes Unicorn. Prints each
# offending line and exits 1.
top=${1:?usage: layers.sh TOP}
cd "$top" || exit 2
bad=0

# allow FILE PATTERN...: each quoted include of FILE must match a pattern.
allow() {
	file=$1
	shift
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file"); do
		ok=0
		for pat in "$@"; do
			# shellcheck disable=SC2254
			case $inc in $pat) ok=1 ;; esac
		done
		[ "$ok" = 1 ] || { echo "layers: $file includes \"$inc\""; bad=1; }
	done
}

guest='kern.h kernel.h mmu.h'
for f in mmu/*.[ch]; do allow "$f" mmu.h; done
# mm/ calls nothing above it but for the three reasons guest/README.md
# gives: the fault handler accounts faults to the current process, the
# OOM killer kills a process, and a userfault puts its task to sleep.
for f in guest/mm/*.[ch]; do
	case $f in
	guest/mm/fault.c | guest/mm/oom.c | guest/mm/userfaultfd.c) allow "$f" $guest 'mm/*' task/task.h ;;
	guest/mm/vdso.c) allow "$f" $guest 'mm/*' vdso/vvar.h ;;
	*) allow "$f" $guest 'mm/*' ;;
	esac
done
# The vDSO is user-space code: it includes its own header only.
for f in guest/vdso/*.[ch]; do allow "$f" vvar.h; done
for f in guest/task/*.[ch]; do allow "$f" $guest 'task/*' mm/mm.h fs/fs.h; done
for f in guest/fs/*.[ch]; do allow "$f" $guest 'fs/*' mm/mm.h task/task.h; done
for f in guest/sys/*.[ch]; do allow "$f" $guest 'sys/*' mm/mm.h fs/fs.h task/task.h; done
for f in guest/*.[ch]; do allow "$f" $guest mm/mm.h mm/mm_types.h fs/fs.h task/task.h; done
for f in loader/*.[ch]; do allow "$f" $guest loader.h loader_int.h mm/mm.h task/task.h; done
for f in mmu/*.[ch] guest/*.[ch] guest/*/*.[ch] loader/*.[ch]; do
	if grep -q '^#include <unicorn' "$f"; then
		echo "layers: $f includes Unicorn"
		bad=1
	fi
done
exit $bad
