"""HTTPS test server for t/update/run.sh, on 127.0.0.1 only.

    server.py DOCROOT CERT KEY STATEDIR

Serves the files below DOCROOT with an ETag (a hash of the content) and a
Last-Modified (the file's mtime), and answers 304 to If-None-Match /
If-Modified-Since like a real server (If-None-Match wins when both are sent).
A path prefix picks a misbehaviour for every file but the manifests
(names ending in SUMS):

    /cut/...      Content-Length twice the body, half the body, then close
    /err/...      500 Internal Server Error
    /noetag/...   no ETag header (only Last-Modified validates)

Writes STATEDIR/ports ("https PORT" and "down PORT", a port with nothing
listening) once it listens, and one line "PATH STATUS" per request to
STATEDIR/requests.
"""
import email.utils
import hashlib
import http.server
import os
import socket
import ssl
import sys

MODES = ("cut", "err", "noetag")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, path, status):
        with open(os.path.join(self.server.statedir, "requests"), "a") as log:
            log.write("%s %d\n" % (path, status))

    def plain(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def not_modified(self, data, mtime, noetag):
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None and not noetag:
            return inm == etag
        if ims:
            try:
                return email.utils.parsedate_to_datetime(ims).timestamp() >= int(mtime)
            except (TypeError, ValueError):
                return False
        return False

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        parts = path.lstrip("/").split("/", 1)
        mode = parts[0] if parts[0] in MODES and len(parts) == 2 else None
        rel = parts[1] if mode else path.lstrip("/")
        manifest = rel.endswith("SUMS")
        full = os.path.realpath(os.path.join(self.server.docroot, rel))
        if mode == "err" and not manifest:
            self.record(path, 500)
            return self.plain(500, "internal error\n")
        if not full.startswith(self.server.docroot + os.sep) or not os.path.isfile(full):
            self.record(path, 404)
            return self.plain(404, "not found\n")
        with open(full, "rb") as f:
            data = f.read()
        mtime = os.stat(full).st_mtime
        if self.not_modified(data, mtime, mode == "noetag"):
            self.record(path, 304)
            self.send_response(304)
            self.end_headers()
            return
        self.record(path, 200)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode != "noetag":
            self.send_header("ETag", '"%s"' % hashlib.sha256(data).hexdigest()[:16])
        self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        if mode == "cut" and not manifest:
            self.send_header("Content-Length", str(2 * len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    docroot, cert, key, statedir = sys.argv[1:5]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.docroot = os.path.realpath(docroot)
    server.statedir = statedir
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    down = socket.socket()
    down.bind(("127.0.0.1", 0))
    down_port = down.getsockname()[1]
    down.close()
    tmp = os.path.join(statedir, "ports.tmp")
    with open(tmp, "w") as f:
        f.write("https %d\ndown %d\n" % (server.server_address[1], down_port))
    os.rename(tmp, os.path.join(statedir, "ports"))
    server.serve_forever()


if __name__ == "__main__":
    main()
