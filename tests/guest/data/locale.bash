# Run by bash-static (glibc): a UTF-8 locale makes bash count characters,
# and glibc's setlocale takes its locale lock, a futex.
LC_ALL=C.UTF-8
s='héllo wörld'
printf '%s has %d characters\n' "$s" "${#s}"
for w in $s; do echo "${#w} ${w^^}"; done
