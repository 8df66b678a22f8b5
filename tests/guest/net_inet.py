# net_inet.py: Python's networking on 127.0.0.1 and ::1 (ctest
# guest.dynamic.python3_net_inet, compared with the native run): a
# threading TCP echo server (socketserver) and its clients, a UDP one,
# http.server answering urllib.request, asyncio streams, a dual-stack
# server (socket.create_server) reached over IPv4 and IPv6, and a refused
# connection. Nothing printed depends on the ports chosen.
import asyncio
import http.server
import socket
import socketserver
import threading
import urllib.request


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line.upper())


class UdpEcho(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data[::-1], self.client_address)


def serve(server):
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return t


with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo) as srv:
    serve(srv)
    port = srv.server_address[1]
    for i in range(3):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            f = c.makefile("rwb")
            f.write(b"hello %d\nworld\n" % i)
            f.flush()
            c.shutdown(socket.SHUT_WR)
            print("tcp", f.read())
    srv.shutdown()

with socketserver.UDPServer(("127.0.0.1", 0), UdpEcho) as srv:
    serve(srv)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
        c.settimeout(10)
        for word in (b"abc", b"datagram", b""):
            c.sendto(word, srv.server_address)
            print("udp", c.recvfrom(100)[0])
    srv.shutdown()


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("you asked for %s" % self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello) as srv:
    serve(srv)
    url = "http://127.0.0.1:%d/x?y=1" % srv.server_address[1]
    with urllib.request.urlopen(url, timeout=10) as r:
        print("http", r.status, r.headers["Content-Length"], r.read())
    srv.shutdown()


async def streams():
    async def handle(reader, writer):
        data = await reader.readline()
        writer.write(data[::-1])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"asyncio\n")
    print("asyncio", await reader.read())
    writer.close()
    server.close()
    await server.wait_closed()


asyncio.run(streams())

with socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True) as srv:
    port = srv.getsockname()[1]
    for host, fam in (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)):
        with socket.socket(fam, socket.SOCK_STREAM) as c:
            c.connect((host, port))
            conn, addr = srv.accept()
            c.sendall(b"via " + host.encode())
            print("dual", addr[0], conn.recv(100))
            conn.close()

probe = socket.socket()
probe.bind(("127.0.0.1", 0))
closed_port = probe.getsockname()[1]
try:
    socket.create_connection(("127.0.0.1", closed_port), timeout=10)
except ConnectionRefusedError as e:
    print("refused", e.errno, e.strerror)
probe.close()
print("done")
