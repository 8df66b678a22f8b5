#!/bin/bash
# debian_programs.sh VMEMU GROUP - Debian's own programs as a new user runs
# them: each command line of GROUP runs under bash natively and under
# `vmemu run /bin/bash -c LINE`, each time in the same new, empty scratch
# folder, with the same stdin (/dev/null), LC_ALL=C and TZ=UTC; stdout,
# stderr and the exit status must be equal. Lines print no PIDs, times of
# day or sizes of the host's memory, or cut them out.
# Exit status: 0 pass, 1 fail, 77 a program of GROUP is absent, 2 usage.
set -u
[ $# -eq 2 ] || { echo "usage: $0 VMEMU GROUP" >&2; exit 2; }
vmemu=$(realpath "$1") group=$2

# need PROG...: skip the group unless every PROG is installed.
need() {
	for p; do
		command -v "$p" >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
	done
}

lines=()
case $group in
coreutils)
	need ls stat du date seq sort uniq tr cut paste join split csplit od base64 sha256sum \
		dd tee timeout env nice nohup install cp mv ln readlink realpath mktemp touch \
		chmod find xargs df id tail truncate
	lines+=(
		"printf 'a b\\n' > f; mkdir d; touch -d '2020-01-02 03:04:05' f d; ls -l --time-style=long-iso; ls -la --full-time f | cut -d' ' -f1,5-"
		"printf 'abc' > f; touch -d '2021-02-03 04:05:06.5' f; stat -c '%n %s %a %F %y' f; du -a; du -sk ."
		"df -P . | awk '{ print NF }'; id -u; id -g"
		"date -d '2020-01-01 12:00' +%s; date -u -d @0; TZ=Europe/Paris date -d @1600000000"
		"seq 1 10 | sort -nr | head -3; printf '3 b\\n1 a\\n2 c\\n' | sort -k2; printf 'a\\na\\nb\\n' | uniq -c"
		"echo hello | tr a-z A-Z; echo a:b:c | cut -d: -f2; paste <(seq 3) <(seq 4 6)"
		"printf '1 x\\n2 y\\n' > a; printf '1 p\\n2 q\\n' > b; join a b"
		"seq 100 | split -l 30 - p; ls p*; wc -l pa*; seq 20 | csplit - 5 10; ls xx*"
		"echo hello | od -c; echo hello | base64; echo aGVsbG8K | base64 -d; echo hi | sha256sum"
		"dd if=/dev/zero bs=1k count=4 status=none | wc -c; echo x | tee f1 f2; cat f1 f2"
		"timeout 0.3 sleep 5; echo \$?; bash -c 'timeout -s KILL 0.2 sleep 3; echo \$?' 2>/dev/null"
		"env -i /usr/bin/env; env -i A=1 /usr/bin/env; nice; nice -n 5 nice"
		"nohup echo hi 2>&1; cat nohup.out; install -D -m 640 /dev/null d/y; stat -c %a d/y"
		"mkdir s; touch -d 2001-01-01 s/f; cp -a s t; ls -l --time-style=+%F t; mv t u; ls"
		"touch m; ln -s m l; readlink l; readlink -f l | sed 's|.*/||'; realpath --relative-to=. l"
		"d=\$(mktemp -d -p .); f=\$(mktemp -p .); ls | wc -l; rmdir \"\$d\"; rm \"\$f\""
		"touch -d '2010-05-05 10:00' z; stat -c %Y z; chmod 600 z; stat -c %a z; chmod u+x,g+r z; stat -c %A z"
		"touch -d 2000-01-01 old; touch new; find . -newer old | sort; find . -type f -printf '%p %s %m\\n' | sort"
		"seq 1 10 | xargs -P2 -n1 echo | sort -n | tr '\\n' ' '"
		"truncate -s 1M sp; du -k sp; ls -l sp | cut -d' ' -f5"
		"dd if=/dev/zero of=z bs=1M count=2 2>&1 | head -2; dd if=/dev/urandom bs=1M count=1 status=none | wc -c"
		"exec 5</proc; readlink /proc/self/fd/5; exec 6</proc/self/status; readlink /proc/self/fd/6 | tr -d 0-9"
		"echo x > f; (sleep 0.5; echo y >> f) & timeout 2 tail -f f; echo \$?"
	)
	;;
text)
	need diff cmp grep sed awk
	lines+=(
		"printf 'a\\nb\\n' > x; printf 'a\\nc\\n' > y; diff -u x y | tail -n +3; echo \$?; cmp x y; echo \$?"
		"mkdir -p r/s; echo foo > r/s/t; echo bar > r/u; grep -r foo r; grep -rn -P 'ba(?=r)' r; grep -c x r/u; echo \$?"
		"printf 'hello\\nworld\\n' > s; sed -i 's/o/0/g' s; cat s; sed -n 2p s; ls"
		"awk 'BEGIN { printf \"%.3f %d\\n\", atan2(1, 1) * 4, 2^40 }'; echo 'a b c' | awk '{ print \$NF, NF }'"
		"seq 1000 | awk '{ s += \$1 } END { print s }'; seq 5 | sed -n '2,4{s/^/x/;p}'"
	)
	;;
archive)
	need tar gzip gunzip xz bzip2
	lines+=(
		"mkdir t; seq 1000 > t/n; tar czf a.tgz t; tar tzf a.tgz; rm -r t; tar xzf a.tgz; wc -l t/n"
		"seq 1000 > n; tar cJf a.txz n; tar tJf a.txz; xz -t a.txz && echo ok; tar cjf a.tbz n; tar tjf a.tbz"
		"seq 1000 > n; gzip -9 n; ls; gunzip n.gz; md5sum n; xz -k n; xz -dc n.xz | md5sum; bzip2 -c n | bzip2 -dc | md5sum"
	)
	;;
perl)
	need perl
	lines+=(
		"perl -e 'my \$s = \"abc123def\"; \$s =~ s/(\\d+)/<\$1>/; print \"\$s\\n\"; printf(\"%05.1f|%-4s|%x\\n\", 3.14159, \"ab\", 255); print join(\",\", sort { \$a <=> \$b } (10, 2, 33)), \"\\n\"'"
		"perl -e 'pipe(R, W); my \$p = fork; if (!\$p) { close R; print W \"child\\n\"; exit 3 } close W; print <R>; waitpid(\$p, 0); print \$? >> 8, \"\\n\"'"
		"perl -MPOSIX -e 'print strftime(\"%Y-%m-%d\", gmtime(1e9)), \"\\n\"; print scalar(localtime(0)), \"\\n\"; open(my \$f, \"-|\", \"echo via pipe\") or die; print <\$f>'"
		"perl -e '\$SIG{ALRM} = sub { print \"alarm\\n\"; exit 2 }; alarm 1; sleep 3'; echo \$?"
	)
	;;
python3)
	need python3
	lines+=(
		"python3 -c '
import os, resource, select, signal, subprocess, sqlite3, tempfile, time
print(subprocess.run([\"echo\", \"hi\"], capture_output=True).stdout, subprocess.run(\"exit 4\", shell=True).returncode)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(w, b\"x\")
    os._exit(5)
print(select.select([r], [], [], 5)[0] == [r], os.read(r, 1), os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
signal.signal(signal.SIGUSR1, lambda s, f: print(\"got\", s))
os.kill(os.getpid(), signal.SIGUSR1)
with tempfile.TemporaryDirectory(dir=\".\") as d:
    c = sqlite3.connect(os.path.join(d, \"db\"))
    c.execute(\"create table t(a)\")
    c.executemany(\"insert into t values(?)\", [(i,) for i in range(100)])
    c.commit()
    print(c.execute(\"select sum(a) from t\").fetchone())
print(time.strftime(\"%Y-%m-%d %H:%M\", time.localtime(1e9)))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 1000)
'"
		"python3 -c '
import ctypes, os, select, struct
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
os.mkdir(\"w\")
print(libc.inotify_add_watch(fd, b\"w\", 0x100 | 0x200 | 0x8))
with open(\"w/x\", \"w\") as f:
    f.write(\"x\")
os.unlink(\"w/x\")
print(select.select([fd], [], [], 5)[0] == [fd])
b = os.read(fd, 4096)
while b:
    wd, mask, cookie, n = struct.unpack(\"iIII\", b[:16])
    print(wd, hex(mask), cookie, b[16:16 + n].rstrip(b\"\\0\"))
    b = b[16 + n:]
'"
		"python3 -c '
import socket, subprocess
s = socket.create_server((\"127.0.0.1\", 0))
cmd = \"exec 3<>/dev/tcp/127.0.0.1/%d; echo hi from bash >&3; read -r l <&3; echo got \$l\"
p = subprocess.Popen([\"bash\", \"-c\", cmd % s.getsockname()[1]])
c, addr = s.accept()
print(addr[0], c.recv(100), flush=True)
c.sendall(b\"reply\\n\")
print(p.wait(), c.recv(100))
'; bash -c 'exec 3<>/dev/tcp/127.0.0.1/1'; echo \$?"
	)
	;;
bash)
	need bash make /usr/bin/time
	lines+=(
		"trap 'echo trapped' EXIT; trap 'echo usr1' USR1; kill -USR1 \$\$; echo after"
		"coproc C { read x; echo got \$x; }; echo hi >&\${C[1]}; read y <&\${C[0]}; echo \$y; wait"
		"diff <(seq 3) <(seq 4); echo \$?; read -t 0.2 x < <(sleep 1); echo \$?"
		"sleep 0.3 & sleep 0.1 & wait -n; echo \$?; wait; (exit 3) & wait \$!; echo \$?"
		"true | false | true; echo \${PIPESTATUS[@]}; exec 3>o; echo x >&3; exec 3>&-; cat o"
		"printf '#!/usr/bin/env bash\\n[[ -n \$BASH_VERSION ]] && echo bash \$0 \$1\\n' > s; chmod +x s; /usr/bin/env ./s arg; /usr/bin/time -f %x ./s x"
		"printf 'all: a b\\n\\t@echo done\\na:\\n\\t@sleep 0.1; echo a\\nb:\\n\\t@echo b\\n' > Makefile; make -j2 -s | sort"
		"printf 'all:\\n\\t@echo \$(shell echo sh)\\n\\t@false\\n' > Makefile; make 2>&1; echo \$?"
		"ulimit -n 100; ulimit -n; ulimit -Sn 50; ulimit -n; ulimit -Hn; ulimit -s 4096; ulimit -s; ulimit -v 100000; ulimit -v; grep -E 'open files|stack|address' /proc/self/limits"
		"bash -c 'ulimit -f 1; dd if=/dev/zero of=x bs=1k count=4; echo \$?' 2>&1 | sed -E 's/ +[0-9]+ File/ N File/'; wc -c < x; ulimit -f 1; (trap '' XFSZ; head -c 3000 /dev/zero > z; echo \$?; echo more >> z; echo \$?); wc -c < z"
	)
	;;
procps)
	need ps free uptime getent file
	lines+=(
		"ps -o pid,comm | head -1 | tr -s ' '; free | head -1; free -m | awk 'NR > 1 { print \$1 }'; uptime | tr -d 0-9"
		"getent passwd root; getent group root; file /bin/ls | cut -d, -f1"
		"ldd /bin/true | wc -l; ldd /bin/true | sed -E 's/ \\(0x[0-9a-f]+\\)//'"
		"cd /proc/self; cat uid_map gid_map projid_map setgroups timens_offsets coredump_filter; echo 0x3f > coredump_filter; cat /proc/self/coredump_filter"
	)
	;;
strace)
	# ptrace(2) (hT): the traced programs' own calls, which Linux decides;
	# pids, addresses and strace's pid padding (it follows pid_max) masked.
	need strace sh
	lines+=(
		"strace -qq -e trace=write -e signal=none /bin/echo hi 2>&1"
		"strace -f -qq -e trace=exit_group,execve -e signal=none sh -c '/bin/true; /bin/echo x' 2>&1 | sed -E 's/0x[0-9a-f]+/ADDR/g; s/\\[pid +[0-9]+\\]/[pid N]/'"
		"strace -qq -e trace=write,exit_group -e signal=none sh -c 'echo a; echo b >&2' 2>&1"
		"strace -o log -e trace=execve /bin/true; sed 's/0x[0-9a-f]*/ADDR/' log"
	)
	;;
*)
	echo "usage: unknown group $group" >&2
	exit 2
	;;
esac

scratch=$(mktemp -d) || exit 1
trap 'rm -rf "$scratch"' EXIT
export LC_ALL=C TZ=UTC
# run NAME [PREFIX...] LINE: LINE in a new empty $scratch/w, outputs in
# $scratch/NAME.{out,err,rc}.
run() {
	local name=$1
	shift
	rm -rf "$scratch/w" && mkdir "$scratch/w" || exit 1
	(cd "$scratch/w" && timeout "${GUEST_TIMEOUT:-120}" "$@" </dev/null \
		>"$scratch/$name.out" 2>"$scratch/$name.err")
	echo $? >"$scratch/$name.rc"
}
status=0
for line in "${lines[@]}"; do
	run native /bin/bash -c "$line"
	run vmemu "$vmemu" run /bin/bash -c "$line"
	same=1
	for x in rc out err; do
		cmp -s "$scratch/native.$x" "$scratch/vmemu.$x" || same=0
	done
	if [ $same = 1 ]; then
		echo "same: $line"
	else
		echo "FAIL: differs from the native run: $line"
		for x in rc out err; do
			diff -u --label "native $x" --label "vmemu $x" "$scratch/native.$x" "$scratch/vmemu.$x"
		done
		status=1
	fi
done
exit $status
