#!/bin/sh
# tty_host.sh VMEMU - vmemu's own terminal: script(1) runs a shell on a
# new host pty, natively and as vmemu's stdio, and the two transcripts
# must be equal: the guest reads the host terminal's termios, sets raw
# mode and -echo on it (and back), sets its window size, finds its name
# (ttyname: /dev/pts/N stays the host's node for vmemu's own terminal);
# tcgetpgrp of the terminal is the guest's own group (its pids), and its
# session the guest's.
set -u
vmemu=$1
[ -x /usr/bin/script ] && [ -x /bin/sh ] && [ -x /usr/bin/python3 ] ||
	{ echo "SKIP: no /usr/bin/script, /bin/sh or /usr/bin/python3"; exit 77; }
sh='stty -a | head -1; stty raw -echo; stty -a | sed -n 4,6p; stty sane; echo
stty cols 100 rows 33; stty size
[ "$(tty)" = "$(readlink /proc/self/fd/0)" ] && echo "ttyname: the terminal"
/usr/bin/python3 -c "import os; print(os.tcgetpgrp(0) == os.getpgrp(), os.getsid(0) == os.getpgrp())"'
native=$(/usr/bin/script -qc "/bin/sh -c '$sh'" /dev/null </dev/null) ||
	{ echo "FAIL: native run failed"; exit 1; }
vm=$(/usr/bin/script -qc "$vmemu run /bin/sh -c '$sh'" /dev/null </dev/null) ||
	{ echo "FAIL: vmemu run failed"; exit 1; }
printf '%s\n' "$native"
[ "$native" = "$vm" ] || { printf 'FAIL: under vmemu:\n%s\n' "$vm"; exit 1; }
