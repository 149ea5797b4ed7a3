#!/usr/bin/env python3
# t/bench/yara-rules.py N: prints N YARA rules written for t/bench/scan.sh,
# shaped like the public web-shell rule sets hosting scanners load (maldet's
# rfxn.yara, php-malware-finder): a third pairs a dangerous PHP call with a
# request source, a third names a web-shell family's interface strings, a
# third are decoder-chain regular expressions.  Deterministic; no third-party
# rule is copied.  Plain YARA (no external variables), so the yara tool
# compiles the same file.
import itertools
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
calls = ["eval", "assert", "system", "passthru", "shell_exec", "exec", "popen", "proc_open",
         "pcntl_exec", "create_function", "call_user_func", "call_user_func_array",
         "array_map", "usort", "preg_replace", "file_put_contents", "fwrite", "fputs",
         "move_uploaded_file", "copy", "curl_exec", "fsockopen", "stream_socket_client",
         "mail", "chmod", "unlink", "touch", "symlink", "include", "require_once",
         "unserialize", "ob_start", "register_shutdown_function", "array_filter"]
sources = ["$_POST[", "$_GET[", "$_REQUEST[", "$_COOKIE[", "$_FILES[", "$_SERVER['HTTP_",
           "getenv('HTTP_", "php://input", "$_SESSION[", "apache_request_headers("]
ui = ["FilesMan", "c99shell", "r57shell", "WSO", "b374k", "Safe mode:", "uname -a",
      "Execute command", "Upload file", "Self remove", "Bind port", "Back connect",
      "Mass deface", "Server IP", "Open_basedir", "disable_functions", "cmd.exe",
      "/etc/passwd", "Brute force", "SQL manager", "Sec. Info", "Encoder",
      "Change dir", "phpinfo()", "Make dir", "Make file", "Jumping", "Symlink",
      "Zone-H", "Hacked by"]
decoders = ["base64_decode", "gzinflate", "gzuncompress", "str_rot13", "strrev",
            "gzdecode", "hex2bin", "urldecode", "convert_uudecode", "rawurldecode"]
sinks = ["eval", "assert", "create_function", "preg_replace"]

rules = []
pairs = itertools.cycle(itertools.product(calls, sources))
for i in range(n // 3):
    c, s = next(pairs)
    rules.append('rule Bench_Call_%03d {\n  meta:\n    description = "%s() near %s"\n'
                 '  strings:\n    $c = "%s(" nocase\n    $s = "%s"\n'
                 '  condition:\n    filesize < 2MB and $c and $s and @s[1] - @c[1] < 200 '
                 'and @s[1] > @c[1]\n}\n' % (i, c, s.replace('\\', '\\\\').replace('"', '\\"'),
                                             c, s.replace('\\', '\\\\').replace('"', '\\"')))
trip = itertools.cycle(itertools.combinations(ui, 3))
for i in range(n // 3):
    a, b, c = next(trip)
    rules.append('rule Bench_Ui_%03d {\n  meta:\n    severity = "suspicious"\n'
                 '  strings:\n    $a = "%s"\n    $b = "%s" nocase\n    $c = "%s" ascii wide\n'
                 '  condition:\n    2 of them\n}\n' % (i, a, b, c))
chains = itertools.cycle(itertools.product(sinks, decoders, decoders))
i = 0
while len(rules) < n:
    s, d1, d2 = next(chains)
    if d1 == d2:
        continue
    rules.append('rule Bench_Chain_%03d {\n  strings:\n'
                 '    $r = /%s\\s*\\(\\s*%s\\s*\\(\\s*%s\\s*\\(/ nocase\n'
                 '  condition:\n    $r\n}\n' % (i, s, d1, d2))
    i += 1
sys.stdout.write("\n".join(rules))
