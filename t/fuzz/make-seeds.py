#!/usr/bin/env python3
"""t/fuzz/make-seeds.py: (re)writes the seed corpora t/fuzz/corpus/NAME from
the project's own fixtures (CLI case files, sample config, scan samples) plus
a few hand-made inputs.  Run from the top of the source tree; the output is
committed.  Crash reproducers are added to the corpus dirs by hand as
crash-NAME files and are never rewritten here."""
import glob, hashlib, os, re, zlib, base64

SOURCES = ["postfix", "exim", "roundcube", "imp", "php", "sendmail-php", "sendmail2relay"]
SIG_NAMES = {"sigs": 0, "fingerprints.txt": 1, "re": 2, "shelldetect.db": 3}
MAX = 16384

def sections(path):
    """The sections of a CLI case file: list of (keyword, arg, text)."""
    out, cur = [], None
    for line in open(path, encoding="latin-1").read().split("\n"):
        if line.startswith("--- "):
            kw, _, arg = line[4:].partition(" ")
            cur = [kw, arg.split(" ")[0], []]
            out.append(cur)
        elif cur is not None:
            cur[2].append(line)
    return [(k, a, "\n".join(t)) for k, a, t in out]

def put(name, data):
    if isinstance(data, str):
        data = data.encode("latin-1")
    data = data[:MAX]
    d = os.path.join("t/fuzz/corpus", name)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(d, "seed-" + h), "wb") as f:
        f.write(data)

def main():
    for d in glob.glob("t/fuzz/corpus/*/seed-*"):
        os.remove(d)
    for case in sorted(glob.glob("t/cli/cases/*.case")):
        secs = sections(case)
        args = next((t for k, a, t in secs if k == "args"), "")
        files = [(a, t) for k, a, t in secs if k == "file"] + \
                [("stdin", t) for k, a, t in secs if k == "stdin"]
        m = re.match(r"mail (\S+)", args)
        for fname, text in files:
            if m and m.group(1) in SOURCES:
                put("maillog", bytes([SOURCES.index(m.group(1))]) + text.encode("latin-1"))
                put("logtime", text)
            elif "check-config" in args or fname.endswith(".conf"):
                put("conf", text)
            for suffix, idx in SIG_NAMES.items():
                if fname.endswith(suffix):
                    put("sig", bytes([idx]) + text.encode("latin-1"))
            if args.startswith("scan") and fname.endswith((".php", ".html", ".txt")):
                put("deobf", text)
    for f in ["conf/spamgear.conf.sample"]:
        put("conf", open(f, "rb").read())
    for f in glob.glob("conf/signatures/*.sigs"):
        # One seed per section: small sets compile fast.
        for part in open(f, "rb").read().split(b"\n\n# ---"):
            put("sig", b"\0# ---" + part + b"\n")
    put("sig", b"\0A.B malicious php re eval\n    clean match\nC.D suspicious html lit <iframe\n"
        b"E.F malicious htaccess ire auto_prepend_file\n    clean re ^php_value.*$\n")
    put("sig", b"\1first-unused-literal\nhacked_by_someone\n")
    put("sig", b"\2nothing-matches-this\n\\$auth_pass\\s*=\\s*\"[0-9a-f]{32}\"\n")
    plain = base64.b64encode(b"<?php /*DetectorPlain*/")[:20]
    bb = base64.b64encode(b"detector_literal_xyz")
    v1, v2 = b"PlainShell[1.0][x][1]", b"LiteralShell[a][b][7]"
    ser = b'a:3:{s:7:"version";s:3:"1.0";s:%d:"%s";s:%d:"%s";s:%d:"bb:%s";s:%d:"%s";}' % (
        len(plain), plain, len(v1), v1, len(bb) + 3, bb, len(v2), v2)
    put("sig", b"\3" + base64.b64encode(ser))
    for f in sorted(glob.glob("t/scan/samples/*")):
        put("deobf", open(f, "rb").read())
    payload = b"<?php system($_GET['c']); ?>"
    put("deobf", b"<?php eval(gzinflate(base64_decode('" +
        base64.b64encode(zlib.compress(payload)[2:-4]) + b"'))); ?>")
    put("deobf", b"<?php eval(str_rot13(strrev(base64_decode('" +
        base64.b64encode(payload[::-1]) + b"')))); ?>")
    for line in open("conf/dnsbl.lists", encoding="latin-1"):
        if line.strip() and not line.startswith("#"):
            put("dnsbl", line.rstrip("\n") + "\n192.0.2.1\n\x02\x7f\x00\x00\x02\x7f\xff\xff\xfeListed: see http://example.org/?ip=192.0.2.1\x01\n")
    put("dnsbl", "zen.spamhaus.org 127.0.0.2-127.0.0.11 ipv4,ipv6 Spamhaus\n2001:db8::1\n\x01\x7f\x00\x00\x0a")
    put("dnsbl", "bl.example.org any\nmail.example.com\n\x00txt")
    hexs = "a" * 64
    put("update", hexs + "  php-backdoors.sigs\n" + "B" * 64 + " *fingerprints.txt\r\n# comment\n\n")
    put("update", "# spamgear update: what each source installed (do not edit)\n"
        "source https://example.org/sigs/MANIFEST\netag \"abc\"\n"
        "last-modified Wed, 01 Jan 2025 00:00:00 GMT\nfile " + hexs + "  php-backdoors.sigs\n"
        "source https://example.org/pinned.sigs\nfile " + "b" * 64 + "  pinned.sigs\n")
    for m in ["wp.getUsersBlogs", "pingback.ping", "system.listMethods", "metaWeblog.newPost"]:
        put("xmlrpc", "<?xml version=\"1.0\"?><methodCall><methodName>%s</methodName>"
            "<params><param><value><string>admin</string></value></param></params></methodCall>" % m)
    calls = "".join("<value><struct><member><name>methodName</name><value><string>wp.getUsersBlogs"
                    "</string></value></member><member><name>params</name><value><array><data>"
                    "<value>admin</value><value>pw%d</value></data></array></value></member>"
                    "</struct></value>" % i for i in range(3))
    put("xmlrpc", "<methodCall><methodName>system.multicall</methodName><params><param><value>"
        "<array><data>" + calls + "</data></array></value></param></params></methodCall>")
    for t in ["Nov  7 09:00:00 mail postfix/smtpd[1]: x\n", "2026-11-07T09:00:00.123456+01:00 h p: x\n",
              "2026-11-07 09:00:00 1rA-000 <= a@b U=web P=local\n", "[07-Nov-2026 09:00:00 UTC] mail() on\n",
              "[07-Nov-2026 09:00:00 +0100]: <abc> User x [192.0.2.1]; Message\n",
              "Nov 07 09:00:00 HORDE [notice] [imp] Message sent\n", "@1700000000\n", "now\n"]:
        put("logtime", t)

main()
