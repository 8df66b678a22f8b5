# sock_unix.py: Python's socket module and multiprocessing over AF_UNIX
# sockets (guest.dynamic.python3_sock_unix, compared with the native run):
# a stream server on a path in a scratch directory and a forked client,
# a datagram exchange by name, socket.send_fds/recv_fds passing a pipe's
# write end, multiprocessing.reduction's send_handle/recv_handle, and a
# multiprocessing.connection Listener/Client pair with authentication.
import multiprocessing.connection as mpc
import multiprocessing.reduction as reduction
import os
import shutil
import socket
import sys
import tempfile

scratch = tempfile.mkdtemp(prefix="sock_unix_py.")
path = os.path.join(scratch, "srv")


def child(fn):
    sys.stdout.flush()  # the child must not print the parent's lines again
    pid = os.fork()
    if pid == 0:
        try:
            fn()
            os._exit(0)
        except BaseException as e:
            print("child failed:", repr(e), flush=True)
            os._exit(1)
    return pid


def reap(pid):
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


# A stream server and a forked client.
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
print("listening:", srv.getsockname() == path, srv.type, srv.family)


def client():
    with socket.socket(socket.AF_UNIX) as c:
        c.connect(path)
        assert c.getpeername() == path
        c.sendall(b"hello " * 1000)
        c.shutdown(socket.SHUT_WR)
        print("client got:", c.recv(100).decode(), flush=True)


pid = child(client)
conn, addr = srv.accept()
data = b""
while True:
    part = conn.recv(4096)
    if not part:
        break
    data += part
print("server got", len(data), "bytes, peer", repr(addr))
conn.sendall(b"bye")
conn.close()
reap(pid)
srv.close()

# Datagrams by name.
a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
a.bind(os.path.join(scratch, "a"))
b.bind(os.path.join(scratch, "b"))
a.sendto(b"datagram", os.path.join(scratch, "b"))
msg, frm = b.recvfrom(100)
print("datagram:", msg, os.path.basename(frm))
a.close()
b.close()

# send_fds / recv_fds: a pipe's write end to a child.
left, right = socket.socketpair()
r, w = os.pipe()


def fd_receiver():
    msg, fds, flags, _ = socket.recv_fds(right, 100, 4)
    os.write(fds[0], b"written by the child through " + msg)


pid = child(fd_receiver)
socket.send_fds(left, [b"a passed fd"], [w])
os.close(w)
reap(pid)
print("pipe:", os.read(r, 100).decode())
os.close(r)

# multiprocessing.reduction: send_handle / recv_handle.
r, w = os.pipe()


def handle_receiver():
    fd = reduction.recv_handle(right)
    os.write(fd, b"via recv_handle")
    os.close(fd)


pid = child(handle_receiver)
reduction.send_handle(left, w, pid)
os.close(w)
reap(pid)
print("handle:", os.read(r, 100).decode())
left.close()
right.close()

# multiprocessing.connection over an AF_UNIX listener.
listener = mpc.Listener(os.path.join(scratch, "mp"), family="AF_UNIX", authkey=b"secret")


def mp_client():
    with mpc.Client(os.path.join(scratch, "mp"), family="AF_UNIX", authkey=b"secret") as c:
        c.send({"ask": [1, 2, 3]})
        print("mp client got:", c.recv(), flush=True)


pid = child(mp_client)
with listener.accept() as conn:
    req = conn.recv()
    conn.send(sum(req["ask"]))
reap(pid)
listener.close()
shutil.rmtree(scratch)
print("done")
