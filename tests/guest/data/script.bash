# script.bash - what a bash script does (guest.dynamic.bash_script): loops,
# functions, arrays, here-documents, traps, subshells, pipelines and
# command substitution; each step prints something that shows it worked.
set -u
trap 'echo "trap: EXIT with $?"' EXIT
trap 'echo "trap: USR1 caught"' USR1

fib() {
	local n=$1 a=0 b=1 i
	for ((i = 0; i < n; i++)); do
		local t=$((a + b))
		a=$b
		b=$t
	done
	echo "$a"
}
echo "fib 30 = $(fib 30)"

declare -a arr=(pear apple "fig tree" banana)
arr+=(cherry)
echo "array: ${#arr[@]} items, sorted: $(printf '%s\n' "${arr[@]}" | sort | tr '\n' ',')"
declare -A color=([apple]=red [banana]=yellow)
for k in $(printf '%s\n' "${!color[@]}" | sort); do echo "assoc: $k=${color[$k]}"; done

n=0
while read -r word count; do
	n=$((n + count))
	echo "heredoc: $word $count"
done <<END
alpha 1
beta 2
gamma 3
END
echo "heredoc total: $n"

outer=parent
(outer=child; echo "subshell sees $outer, pid differs: $([ "$BASHPID" != "$$" ] && echo yes)")
echo "after subshell: $outer"

echo "pipeline: $(seq 1 1000 | grep 7 | wc -l)"
upper=$(echo "command substitution" | tr a-z A-Z)
echo "$upper"
kill -USR1 $$
echo "status of false in a pipeline with pipefail: $(set -o pipefail; false | true; echo $?)"
case "x$(uname -s)" in xLinux) echo "case: Linux" ;; *) echo "case: other" ;; esac
i=0
until [ $i -ge 3 ]; do i=$((i + 1)); done
echo "until: $i"
exit 3
