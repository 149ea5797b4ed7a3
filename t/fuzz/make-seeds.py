#!/usr/bin/env python3
"""t/fuzz/make-seeds.py: (re)writes the seed corpora t/fuzz/corpus/NAME from
the project's own fixtures (CLI case files, sample config, scan samples) plus
a few hand-made inputs.  Run from the top of the source tree; the output is
committed.  Crash reproducers are added to the corpus dirs by hand as
crash-NAME files and are never rewritten here."""
import base64, bz2, glob, gzip, hashlib, io, lzma, os, re, struct, tarfile, zipfile, zlib

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

def mp_seed(opt, ct, body, seed=b"\x2a\x9d\x11\x07"):
    """fuzz_multipart input: 4 bytes chunk seed, 1 byte options, CT line, body."""
    return seed + bytes([opt]) + ct.encode() + b"\n" + body

def multipart_seeds():
    ct = "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"
    b = b"------WebKitFormBoundary7MA4YWxkTrZu0gW"
    put("multipart", mp_seed(0, ct, b + b"\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\n"
                             b"value\r\n" + b + b"--\r\n"))
    upload = (b + b"\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nmy\r\nfile\r\n" +
              b + b"\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"C:\\up\\x.php\"\r\n"
              b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
              b"<?php eval($_POST['c']); ?>\r\n\r\n--not-it\r\n" + b[:20] + b"\r\r\n" + b + b"--")
    put("multipart", mp_seed(0, ct, upload))
    put("multipart", mp_seed(0, ct, upload, b"\x00\x00\x00\x00"))
    for opt in (0, 0x13):
        put("multipart", mp_seed(opt, "multipart/form-data;boundary=\"a'()+_-./:=?z\"; charset=utf-8",
                                 b"--a'()+_-./:=?z\r\ncontent-disposition: form-data; name=\"a\"; "
                                 b"filename=\"../../etc/x.phtml\"\r\ncontent-type: image/gif\r\n\r\n"
                                 b"GIF89a\n--a'()+_-./:=?z\r\n--a'()+_-./:=?z--\r\n"))
    put("multipart", mp_seed(0x22, "Multipart/Form-Data ; boundary=xx",
                             b"--xx\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
                             b"--xx\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n--xx--"))
    for bad in [b"--xx\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: multipart/mixed"
                b"; boundary=yy\r\n\r\n--yy\r\n\r\n--xx--\r\n",
                b"preamble\r\n--xx\r\n", b"--xx\r\nContent-Disposition: form-data; name*=UTF-8''a\r\n\r\n",
                b"--xx\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nx\n--xx--"]:
        put("multipart", mp_seed(0, "multipart/form-data; boundary=xx", bad))
    put("multipart", mp_seed(0, "multipart/form-data; boundary=a; BOUNDARY=b", b"--a--"))

SHA = "f6fea1315fdba512d7cca6bbffa1791e6152e46fbedc32d0b6e88c4486f1f60e"

def qrecord_seeds():
    rec = ("spamgear-quarantine 1\nid 20261127-082245-eb5a0efb\npath /home/a%20b/%25x%0A.php\n"
           "uid 1000\ngid 33\nowner alice\ngroup www%20data\nmode 4755\n"
           "mtime 1577934245.123456789\nsize 26\nsha256 " + SHA + "\ntime 1795767765\n"
           "action quarantined\n")
    put("qrecord", rec + "finding CLAMAV Php.Trojan%20X suspicious\n")
    put("qrecord", rec.replace("quarantined", "cleaned") +
        "finding SPAMGEAR PHP.Backdoor.Eval malicious\nfinding CLAMAV Php.Malware.Agent-1 malicious\n")
    put("qrecord", rec.replace("mode 4755", "mode 0644").replace("uid 1000", "uid 0"))
    put("qrecord", rec.replace("mtime 1577934245", "mtime -5").replace("id 2026", "id %32026"))
    put("qrecord", rec + "uid 2\n")

def accessmap_seeds():
    now = (1794045600).to_bytes(4, "little")
    old = ("# admin\nold@example.org\tREJECT\n"
           "# spamgear: added 2020-01-01T00:00:00Z expires 1577840400\ngone@example.org\tREJECT\n"
           "# spamgear: added 2026-11-07T09:00:00Z expires 1794049200\nkept@example.org\tHOLD\n"
           "last@example.org OK")
    put("accessmap", now + old.encode() + b"\0new@example.org\tFILTER relay:[b.example]\n"
        b"kept@example.org\tREJECT\t1794049999\n")
    put("accessmap", now + old.encode() + b"\n")
    put("accessmap", now + b"# spamgear: added 2020-01-01T00:00:00Z expires 1577840400")
    put("accessmap", now + b"\0spam@example.org\tHOLD\t1794049200\nx@example.org\tREJECT\n")
    put("accessmap", now + b"a@b OK\n\0a b\tREJECT\n")

def proc_seeds():
    put("proc", b"\0" + b"4242 (php-fpm: pool www) S 1 4242 4242 0 -1 4194560 3093 0 0 0 12 4 0 0 20 0 1 0\n")
    put("proc", b"\0" + b"77 (a) b) c) R 9999 77 77 0 -1")
    put("proc", b"\1" + b"Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n"
        b"Uid:\t1001\t1001\t1001\t1001\nGid:\t33\t33\t33\t33\n")
    put("proc", b"\2" + b"\x01python3\0-c\0import socket,os;s=socket.socket()\0\0")
    put("proc", b"\3" + b"\x02/usr/bin/php\tindex.php \x1b[31m\xff\\")
    put("proc", b"\4" + b"   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
        b"00000000  1001        0 87654 1 0000000000000000 100 0 0 10 0\n")
    put("proc", b"\4" + b"   0: 00000000000000000000000001000000:0050 "
        b"00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 "
        b"00000000    33        0 4242 1 0000000000000000 100 0 0 10 0\n")
    put("proc", b"\4socket:[123456]")
    put("proc", b"\5" + b"33,1000-60000 65534")
    put("proc", b"\6" + b"www-data, web1 machine$")
    put("proc", b"\7" + b"/tmp/.x/xmrig-6.21 (deleted)")
    put("proc", b"\7" + b"/usr/sbin/apache2 /usr/sbin/php-fpm*")

def queue_seeds():
    seed = b"\x5e\x11\x3a\x07"
    put("queue", b"\0" + seed + b'{"queue_name": "deferred", "queue_id": "4Bk8sT0Zq1z9", '
        b'"arrival_time": 1794045600, "message_size": 1234, "forced_expire": false, '
        b'"sender": "www-data@example.org", "recipients": [{"address": "x@example.com", '
        b'"delay_reason": "connect to example.com[192.0.2.1]:25: Connection timed out"}]}\n'
        b'{"queue_name": "active", "queue_id": "4Bk8sT0Zq2z8", "recipients": []}\n')
    put("queue", b"\0" + seed + b"\n  \n{}\r\n{ }")
    put("queue", b"\0" + seed + b"postqueue: fatal: Queue report unavailable - mail system is down\n")
    put("queue", b"\1" + seed + b"17\n")
    put("queue", b"\1" + seed + b"  0 \r\n")
    put("queue", b"\1" + seed + b"exim: permission denied\n")

def php_lex_seeds():
    """The lexer's hand-written tricky files and a few scan samples."""
    for f in sorted(glob.glob("t/unit/php-lex/*.php")):
        put("php_lex", open(f, "rb").read())
    for f in ["backtick_var", "eval_packed", "hexglobals", "preg_e", "xor_shell"]:
        put("php_lex", open("t/scan/samples/%s.php" % f, "rb").read())
    put("php_lex", b"\"{$a[\"{$b[<<<X\n{$c}\nX]}\"]}\" /* ?> */ `${d}` $e->f\\g yield\tfrom x")

# fuzz_php_an: byte 0 picks max_bytes (16 << n, at most 1 MiB), byte 1 the
# budget polls answered "go on" (255: all); the rest is PHP.  Hand-written
# forms of request data into sinks and of obfuscated constants; the
# payloads are harmless (echo, phpinfo).
PHP_AN = [
    "<?php $c = $_GET['c']; system($c);",
    "<?php $cmd = trim($_POST['cmd']); echo `$cmd`; passthru(\"ls \" . $_REQUEST['d']);",
    "<?php eval(base64_decode('" + base64.b64encode(b"echo 'hi'; phpinfo();").decode() + "'));",
    "<?php eval(gzinflate(base64_decode('" +
    base64.b64encode(zlib.compress(b"echo 'layer two'; phpinfo();")[2:-4]).decode() + "')));",
    "<?php eval(gzuncompress(base64_decode('" +
    base64.b64encode(zlib.compress(b"echo 1+1;")).decode() + "')));",
    "<?php eval(str_rot13(strrev(base64_decode('" +
    base64.b64encode(b"echo 'rot';"[::-1].translate(bytes.maketrans(
        b"abcdefghijklmnopqrstuvwxyz", b"nopqrstuvwxyzabcdefghijklm"))).decode() + "'))));",
    "<?php $f = 'sys' . 'tem'; $f($_POST['x']);",
    "<?php $e = strrev('tressa'); $e($_REQUEST['z']);",
    "<?php $n = chr(115).chr(121).chr(115).chr(116).chr(101).chr(109); $n($_COOKIE['k']);",
    "<?php $k = \"\\x13\\x07\" ^ \"ab\"; $x = ~\"\\x9a\\x89\\x9e\\x93\"; $x($_GET[$k]);",
    "<?php $v = '_GE' . 'T'; $w = ${$v}['a']; $$w = 1; eval(${\"_PO\" . \"ST\"}['b']);",
    "<?php function run($x) { return shell_exec($x); } echo run($_COOKIE['q']);",
    "<?php echo later($_GET['p']); function later($a) { eval($a); }",
    "<?php array_map('assert', array($_POST['a'])); call_user_func($_GET['f'], $_GET['a']);",
    "<?php usort($a, create_function('$x', $_REQUEST['b'])); $g = function($c) { system($c); }; "
    "$g(getallheaders()['X-C']);",
    "<?php preg_replace('/.*/e', $_POST['c'], ''); preg_replace(\"#x#ie\", 'phpinfo()', 'x');",
    "<?php file_put_contents($_GET['n'], $_POST['d']); $h = fopen($_GET['m'], 'w'); "
    "fwrite($h, file_get_contents('php://input'));",
    "<?php move_uploaded_file($_FILES['u']['tmp_name'], $_POST['to']); "
    "copy($_FILES['u']['tmp_name'], './' . $_FILES['u']['name']);",
    "<?php $s = fsockopen($_GET['h'], 80); $d = fgets($s); eval($d); "
    "include 'http://' . $_SERVER['HTTP_X_HOST'] . '/x.txt';",
    "<?php mail($_POST['to'], 'subject', $_POST['body']); extract($_REQUEST); "
    "parse_str($_SERVER['QUERY_STRING']);",
    "<?php $f = str_replace('x', '', 'bxaxsxex6x4x_xdxexcxoxdxe'); "
    "eval($f('" + base64.b64encode(b"echo 'replaced';").decode() + "'));",
    "<?php $p = pack('H*', '" + b"phpinfo();".hex() + "'); eval($p); "
    "eval(hex2bin('" + b"echo 2;".hex() + "')); eval(urldecode('%65%63%68%6f%20%33%3b'));",
    "<?php eval(convert_uudecode(\"" +
    __import__("binascii").b2a_uu(b"echo 'uu';").decode().strip().replace('"', '\\"') + "\"));",
    "<?php $a = implode('', array('ph', 'pin', 'fo();')); eval($a); "
    "eval(sprintf('%s%c%s', 'echo', 32, '5;')); eval(join('', ['ec', 'ho 6;']));",
    "<?php eval(<<<EOT\necho 'heredoc';\nEOT\n); eval(<<<'NOW'\necho 'nowdoc';\nNOW\n);",
    "<?php set_time_limit(0); error_reporting(0); ignore_user_abort(1); echo php_uname(); "
    "echo posix_getuid(); print_r(scandir('.')); unlink(__FILE__); touch('x', 0); "
    "symlink('/', 'r'); chmod('x', 0777); mysqli_connect('h', 'u', 'p'); socket_create(2, 1, 6);",
    "<?php if (md5($_POST['p']) == '5f4dcc3b5aa765d61d8327deb882cf99') { eval($_POST['c']); }",
    "<?php define('K', 'sys' . 'tem'); $fn = K; $fn($_GET['k']); class A { public $f; "
    "function go() { $m = $this->f; return $m($_GET['z']); } } $o = new A; $o->f = 'exec'; $o->go();",
    "<?php $o->$m(); $x = new $c; $_SESSION['a'] = $_GET['a']; system($_SESSION['a']);",
    "<?php $a = str_repeat('A', 4096); $b = $a . $a . $a . $a; $c = $b . $b . $b . $b; "
    "$d = $c . $c . $c . $c; eval($d . $d);",
    "<?php $x = base64_decode(base64_decode(base64_decode('" +
    base64.b64encode(base64.b64encode(base64.b64encode(b"echo 'deep';"))).decode() +
    "'))); eval($x);",
    "<?php $q = substr('xxxxphpinfo();yyyy', 4, 10); eval($q); eval(trim('  echo 7;'));",
    "<?php $n = 0x7fffffffffffffff + 1; $m = -PHP_INT_MAX - 1; $z = 1 << 62; $y = 7 % -1;",
    "<?php $a = ['s', 'y', 's']; $b = $a[0] . $a[1] . $a[2] . 'tem'; $b($_GET['c']);",
    "<html><?= $_GET['x'] ?><?php ob_start('system'); echo $_GET['c']; ?></html>",
    "echo 'not php yet'; eval($_GET['c']);",
    "<?php eval('?>' . '<?php echo 8;');",
    "<?php $u = strtolower('BASE64_DECODE'); $v = ucfirst('eval'); "
    "$w = strtr('fzfufm', 'fzu', 'sye'); $w($_GET['t']);",
    "<?php assert(stripslashes($_POST['a'])); $t = \"{$_GET['a']}\"; system(\"ping $t\");",
]

# fuzz_php_an folder inputs: (builtin or operator, max / 4096, arguments).
FOLD_CALLS = [
    ("base64_decode", 16, [b"ZWNobyAxOw=="]), ("str_rot13", 16, [b"riny"]),
    ("strrev", 16, [b"lave"]), ("gzinflate", 16, [zlib.compress(b"echo 1;" * 20)[2:-4]]),
    ("gzuncompress", 16, [zlib.compress(b"echo 2;")]), ("gzdecode", 16, [gzip.compress(b"x", mtime=0)]),
    ("hex2bin", 16, [b"6563686f"]), ("urldecode", 16, [b"%65+%63"]),
    ("rawurldecode", 16, [b"%2b+"]), ("strtolower", 16, [b"EVAL"]), ("ucfirst", 16, [b"eval"]),
    ("str_replace", 16, [b"x", b"", b"sxyxsxtxexm"]),
    ("str_ireplace", 16, [b"\1A\1B", b"\1", b"aabb"]),
    ("substr", 16, [b"xxphpinfo", b"2", b"7"]), ("substr", 16, [b"abc", b"-2"]),
    ("strtr", 16, [b"fzf", b"fz", b"sy"]), ("implode", 16, [b",", b"\1a\1b\1c"]),
    ("join", 16, [b"\1ev\1al"]), ("chr", 16, [b"101"]), ("ord", 16, [b"e"]),
    ("str_repeat", 1, [b"ab", b"3"]), ("trim", 16, [b"  x"]), ("ltrim", 16, [b"xxa", b"x"]),
    ("rtrim", 16, [b"a..", b"."]), ("pack", 16, [b"H*", b"6576616c"]),
    ("pack", 16, [b"C*", b"101", b"118"]), ("pack", 16, [b"A*", b"eval"]),
    ("convert_uudecode", 16, [b"$979E;```\n`\n"]), ("strval", 16, [b"12"]),
    ("hexdec", 16, [b"ff"]), ("octdec", 16, [b"777"]), ("bindec", 16, [b"101"]),
    ("dechex", 16, [b"255"]), ("bin2hex", 16, [b"ab"]), ("stripslashes", 16, [b"a\\'b"]),
    ("sprintf", 16, [b"%s%c%d%%", b"ev", b"97", b"1"]), ("eval", 16, [b"x"]),
    (".", 16, [b"sys", b"tem"]), ("^", 16, [b"\x13\x07", b"ab"]), ("|", 16, [b"`", b"\x05"]),
    ("&", 16, [b"12", b"10"]), ("+", 16, [b"1", b"2"]), ("-", 16, [b"5", b"7"]),
    ("*", 16, [b"6", b"7"]), ("/", 16, [b"8", b"2"]), ("%", 16, [b"9", b"4"]),
    ("<<", 16, [b"1", b"4"]), (">>", 16, [b"256", b"4"]), ("~", 16, [b"\x9a\x89"]),
    ("**", 16, [b"2", b"3"]),
]

def php_an_seeds():
    names = ["base64_decode", "str_rot13", "strrev", "gzinflate", "gzuncompress", "gzdecode",
             "hex2bin", "urldecode", "rawurldecode", "strtolower", "strtoupper", "ucfirst",
             "lcfirst", "str_replace", "str_ireplace", "substr", "strtr", "implode", "join",
             "chr", "ord", "str_repeat", "trim", "ltrim", "rtrim", "chop", "pack",
             "convert_uudecode", "strval", "hexdec", "octdec", "bindec", "dechex", "bin2hex",
             "stripslashes", "sprintf", "eval", ""]
    ops = [".", "^", "|", "&", "+", "-", "*", "/", "%", "<<", ">>", "~", "<", "**", ""]
    for i, src in enumerate(PHP_AN):
        put("php_an", bytes([16, 255]) + src.encode("latin-1"))
        if i % 4 == 0:   # small budgets, and a budget that stops at the first poll
            put("php_an", bytes([i % 8, 255 if i % 8 else 0]) + src.encode("latin-1"))
    big = "<?php " + "$a = 'x' . 'y'; echo $a;\n" * 700
    put("php_an", bytes([16, 0]) + big.encode())
    put("php_an", bytes([16, 1]) + big.encode())
    for name, m, args in FOLD_CALLS:
        head = 0x80 | (0x40 | ops.index(name) if name in ops else names.index(name))
        put("php_an", bytes([head, m]) + b"\0".join(args))

# fuzz_archive: tiny archives made here (zip, tar, compressed, native phar,
# nested), and ones that reach the harness's small limits (64 members,
# 256 KiB a member, 1 MiB in all, 200 times past 64 KiB).
PHP_MEMBER = b"<?php echo 'member'; ?>\n"

def zip_of(members, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data, compress_type=method)
    return b.getvalue()

def tar_of(members, mode="w"):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode, format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if data is None:
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif isinstance(data, str):
                info.type = tarfile.SYMTYPE
                info.linkname = data
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return b.getvalue()

def phar_of(members, stub=b"<?php __HALT_COMPILER(); ?>\r\n", alias=b"x.phar"):
    """PHP's native phar: stub, manifest, member data, (no signature).
    members: (name, data, how) with how 0 stored, 0x1000 gzip, 0x2000 bzip2."""
    entries, blobs = b"", b""
    for name, data, how in members:
        blob = zlib.compress(data)[2:-4] if how == 0x1000 else \
            bz2.compress(data) if how == 0x2000 else data
        entries += struct.pack("<I", len(name)) + name + struct.pack(
            "<IIIIII", len(data), 0, len(blob), zlib.crc32(data), 0x1b6 | how, 0)
        blobs += blob
    man = struct.pack("<IHI", len(members), 0x1100, 0x10000) + \
        struct.pack("<I", len(alias)) + alias + struct.pack("<I", 0) + entries
    return stub + struct.pack("<I", len(man)) + man + blobs

def archive_seeds():
    two = [("a.php", PHP_MEMBER), ("dir/b.txt", b"text\n")]
    put("archive", zip_of(two))
    put("archive", zip_of(two, zipfile.ZIP_STORED))
    put("archive", zip_of(two + [("dir/", b"")]))
    put("archive", tar_of([("a.php", PHP_MEMBER), ("d", None), ("l", "a.php")]))
    put("archive", tar_of(two, "w:gz"))
    put("archive", tar_of(two, "w:bz2"))
    put("archive", tar_of(two, "w:xz"))
    put("archive", gzip.compress(PHP_MEMBER, mtime=0))
    put("archive", bz2.compress(PHP_MEMBER))
    put("archive", lzma.compress(PHP_MEMBER))
    put("archive", phar_of([(b"a.php", PHP_MEMBER, 0), (b"dir/", b"", 0),
                            (b"g.php", PHP_MEMBER * 3, 0x1000), (b"b.php", PHP_MEMBER, 0x2000)]))
    put("archive", phar_of([(b"x", b"", 0)], stub=b"#!/usr/bin/env php\n<?php __HALT_COMPILER();\n"))
    put("archive", b"<?php echo 1; __HALT_COMPILER(); trailing bytes that are no manifest")
    put("archive", b"GIF89a" + zip_of([("a.php", PHP_MEMBER)]))
    inner = zip_of([("in.php", PHP_MEMBER)])
    put("archive", zip_of([("inner.zip", inner), ("t.tar.gz", tar_of(two, "w:gz"))]))
    put("archive", zip_of([("l2.zip", zip_of([("l3.zip", zip_of([("l4.zip", inner)]))]))]))
    put("archive", phar_of([(b"in.zip", inner, 0x1000)]))
    put("archive", zip_of([("f%d" % i, b"") for i in range(70)], zipfile.ZIP_STORED))
    put("archive", zip_of([("zeros", b"\0" * 300000)]))
    put("archive", gzip.compress(b"a" * 100000, mtime=0))
    put("archive", tar_of([("z%d" % i, b"\0" * 200000) for i in range(6)], "w:gz"))

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
    multipart_seeds()
    qrecord_seeds()
    accessmap_seeds()
    proc_seeds()
    queue_seeds()
    php_lex_seeds()
    php_an_seeds()
    archive_seeds()

main()
