#!/usr/bin/python3
"""SMTP servers on 127.0.0.1 for t/emergency/run.sh.

usage: smtpd.py serve DIR CERT KEY   start every server below, write DIR/ports
                                     ("NAME PORT" lines) when all listen, run until
                                     killed; each message received by NAME goes to
                                     DIR/mail/NAME-N.eml (raw) and NAME-N.env
                                     (envelope and AUTH login)
       smtpd.py check EML INPUT      exit 0 when EML's decoded body is INPUT's bytes
                                     exactly; prints its Subject, Date, Message-ID

Servers (aiosmtpd unless said otherwise):
  tls     STARTTLS required, AUTH optional (user alert, password secret-pw)
  plain   no TLS at all
  reject  STARTTLS, then 554 to every RCPT
  banner  raw socket: greets with 554 and hangs up
  silent  raw socket: accepts and never says a word
"""
import email
import email.policy
import os
import signal
import socket
import ssl
import sys
import threading

USER, PASSWORD = b"alert", b"secret-pw"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Saver:
    """aiosmtpd handler that writes each message to DIR/mail."""

    def __init__(self, maildir, name, reject=False):
        self.maildir, self.name, self.reject, self.n = maildir, name, reject, 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return "554 5.7.1 relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.maildir, "%s-%d" % (self.name, self.n))
        login = getattr(session, "auth_data", None)
        login = getattr(login, "login", login)
        with open(base + ".env", "w") as f:
            f.write("from %s\nto %s\nlogin %s\ntls %s\n" % (
                envelope.mail_from, " ".join(envelope.rcpt_tos),
                login.decode() if isinstance(login, bytes) else login,
                "yes" if session.ssl else "no"))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult
    ok = auth_data.login == USER and auth_data.password == PASSWORD
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def raw_server(name, banner):
    """A socket that answers BANNER and hangs up, or (None) keeps silent."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    held = []

    def loop():
        while True:
            conn, _ = s.accept()
            if banner:
                conn.sendall(banner)
                conn.close()
            else:
                held.append(conn)
    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]


def serve(top, cert, key):
    from aiosmtpd.controller import Controller
    maildir = os.path.join(top, "mail")
    os.makedirs(maildir, exist_ok=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    ports, controllers = {}, []
    setups = [
        ("tls", Saver(maildir, "tls"), dict(tls_context=ctx, require_starttls=True,
                                            authenticator=authenticate, auth_required=False)),
        ("plain", Saver(maildir, "plain"), {}),
        ("reject", Saver(maildir, "reject", reject=True),
         dict(tls_context=ctx, require_starttls=True)),
    ]
    for name, handler, kwargs in setups:
        port = free_port()
        c = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        c.start()
        controllers.append(c)
        ports[name] = port
    ports["banner"] = raw_server("banner", b"554 5.3.2 no service for you\r\n")
    ports["silent"] = raw_server("silent", None)
    with open(os.path.join(top, "ports.tmp"), "w") as f:
        for name, port in ports.items():
            f.write("%s %d\n" % (name, port))
    os.rename(os.path.join(top, "ports.tmp"), os.path.join(top, "ports"))

    def stop(*_):
        for c in controllers:
            c.stop()
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        signal.pause()


def check(eml, input_path):
    with open(eml, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    with open(input_path, "rb") as f:
        want = f.read()
    for h in ("Subject", "Date", "Message-ID", "From", "To", "X-Spamgear-Truncated"):
        if msg[h] is not None:
            print("%s: %s" % (h, " ".join(str(msg[h]).split())))
    got = msg.get_payload(decode=True)
    if got != want:
        print("body differs: got %d bytes, want %d" % (len(got or b""), len(want)))
        return 1
    print("body: %d bytes, exact" % len(got))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        sys.exit(check(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
