# Upload scanning: infected file parts (multipart, raw PUT, X-File-Name,
# chunked) are refused and never reach PHP; clean uploads arrive byte for
# byte (checksums) under mod_php and php-fpm; the strict parser's cases get
# 400, with a differential check against what PHP itself accepts; limits,
# executable names, SpamGearUploadKeep; no temp file is left behind.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::SHA qw(sha256_hex);
use IO::Socket::INET ();
use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use SGTest;

plan tests => 69 + 24 + 13, need need_module('spamgear', 'proxy_fcgi', 'alias');

my $B = 'sgTestBoundary7MA4YWxk';
my $SHELL = "<?php \@eval(\$_POST['x']);\n";
my $SAMPLES = Apache::Test::vars('serverroot') . '/../../../../t/scan/samples';
$SAMPLES = "$ENV{top_srcdir}/t/scan/samples" if $ENV{top_srcdir};
my $SPOOL = $ENV{SG_SPOOL};
my $CLEAN_BIG = join '', map { chr(($_ * 7 + 13) % 256) } 1 .. 100_000;   # binary, has CR/LF
my $CLEAN_TXT = "hello\r\n--" . substr($B, 0, 10) . "\r\nline\n--\r\n";

# send(METHOD, PATH, HEADERS_TEXT, BODY, chunked => 1): raw HTTP/1.1, one
# connection; returns (status, body).
sub send_raw {
    my ($method, $path, $headers, $body, %o) = @_;
    my $hostport = hostport_of();
    my ($host, $port) = split /:/, $hostport;
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 30)
        or return (0, "connect: $!");
    my $req = "$method $path HTTP/1.1\r\nHost: $hostport\r\nConnection: close\r\n$headers";
    if ($o{chunked}) {
        $req .= "Transfer-Encoding: chunked\r\n\r\n";
        my $rest = $body;
        while (length $rest) {
            my $n = length($rest) < 777 ? length($rest) : 777;
            $req .= sprintf("%x\r\n", $n) . substr($rest, 0, $n, '') . "\r\n";
        }
        $req .= "0\r\n\r\n";
    }
    else {
        $req .= "Content-Length: " . length($body) . "\r\n\r\n$body";
    }
    print $sock $req;
    local $/;
    my $res = <$sock> // '';
    close $sock;
    my ($head, $rbody) = split /\r\n\r\n/, $res, 2;
    my ($st) = ($head // '') =~ m{^HTTP/\d\.\d (\d{3})};
    if (($head // '') =~ /^Transfer-Encoding: chunked/mi) {
        my $out = '';
        while ($rbody =~ s/^([0-9a-f]+)\r\n//i && hex $1) { $out .= substr($rbody, 0, hex $1, ''); $rbody =~ s/^\r\n//; }
        $rbody = $out;
    }
    return ($st || 0, $rbody // '');
}

sub part { my ($name, $file, $data, $ctype) = @_;
    "--$B\r\nContent-Disposition: form-data; name=\"$name\""
    . (defined $file ? "; filename=\"$file\"" : '') . "\r\n"
    . ($ctype ? "Content-Type: $ctype\r\n" : '') . "\r\n$data\r\n" }
sub form { join('', @_) . "--$B--\r\n" }
sub post_form { my ($path, $body, %o) = @_;
    send_raw('POST', $path, "Content-Type: multipart/form-data; boundary=$B\r\n", $body, %o) }

sub slurp { my $f = shift; open my $fh, '<:raw', $f or die "$f: $!"; local $/; <$fh> }

# --- clean multipart arrives intact under both SAPIs (and chunked)
my $clean = form(part('title', undef, 'a note'), part('doc', 'report.bin', $CLEAN_BIG, 'application/octet-stream'),
                 part('txt', 'a.txt', $CLEAN_TXT, 'text/plain'));
for my $where (['/up/rec.php', php_sapi()], ['/up-fpm/rec.php', 'fpm-fcgi']) {
    my ($path, $sapi) = @$where;
    # mod_proxy_fcgi passes no chunked request body to FastCGI (with or
    # without this module), so php-fpm gets chunked uploads only via PUT below.
    for my $chunked ($sapi eq 'fpm-fcgi' ? (0, 0) : (0, 1)) {
        my ($st, $out) = post_form($path, $clean, chunked => $chunked);
        my $how = "$path" . ($chunked ? ' chunked' : '');
        is($st, 200, "$how: clean multipart passes");
        like($out, qr/^RAN-REC sapi=\Q$sapi\E$/m, "$how: runs under $sapi");
        like($out, qr/^file doc report\.bin 0 100000 ${\ sha256_hex($CLEAN_BIG)}$/m, "$how: 100 KB binary file intact");
        like($out, qr/^file txt a\.txt 0 ${\ length $CLEAN_TXT} ${\ sha256_hex($CLEAN_TXT)}$/m, "$how: text file with CRLF and boundary-like lines intact");
    }
}
my ($st, $out) = post_form('/up/rec.php', $clean);
like($out, qr{^scanned doc=report\.bin/txt=a\.txt$}m, 'the handler sees which files were scanned');
like($out, qr/^field title 6$/m, 'form fields arrive too');

# --- over the 1 MB kept in memory: the temp file spool, mapped for scanning
my $HUGE = $CLEAN_BIG x 15;
for my $path ('/up/rec.php', '/up-fpm/rec.php') {
    my ($s, $o) = post_form($path, form(part('big', 'big.bin', $HUGE), part('txt', 'a.txt', $CLEAN_TXT)));
    like($o, qr/^file big big\.bin 0 ${\ length $HUGE} ${\ sha256_hex($HUGE)}$/m, "$path: 1.5 MB upload (temp file spool) intact");
}
($st, $out) = post_form('/up/rec.php', form(part('big', 'big.bin', $HUGE), part('up', 'avatar.jpg', $SHELL)), chunked => 1);
ok($st == 403 && $out !~ /RAN-REC/, 'infected part after 1.5 MB (chunked, temp file spool): 403');

# --- infected multipart, raw PUT, X-File-Name, chunked: refused, never run
t_start_error_log_watch();
my @bad = (
    ['multipart', sub { post_form('/up/rec.php', form(part('a', undef, 'x'), part('up', 'avatar.jpg', $SHELL, 'image/jpeg'))) }],
    ['multipart chunked', sub { post_form('/up/rec.php', form(part('up', 'avatar.jpg', $SHELL)), chunked => 1) }],
    ['multipart php-fpm', sub { post_form('/up-fpm/rec.php', form(part('up', 'avatar.jpg', $SHELL))) }],
    ['raw PUT', sub { send_raw('PUT', '/up/rec.php', "Content-Type: image/png\r\n", $SHELL) }],
    ['raw PUT chunked', sub { send_raw('PUT', '/up/rec.php', '', $SHELL, chunked => 1) }],
    ['X-File-Name POST', sub { send_raw('POST', '/up/rec.php', "Content-Type: application/octet-stream\r\nX-File-Name: pic.gif\r\n", $SHELL) }],
    ['multipart, sample c99.php', sub { post_form('/up/rec.php', form(part('up', 'c.txt', slurp("$SAMPLES/c99.php")))) }],
    ['multipart, sample gzinflate.php (decoded)', sub { post_form('/up/rec.php', form(part('up', 'g.txt', slurp("$SAMPLES/gzinflate.php")))) }],
);
for my $b (@bad) {
    my ($s, $o) = $b->[1]->();
    ok($s == 403 && $o !~ /RAN-REC/, "infected $b->[0]: 403, the script never ran") or diag("status $s: " . substr($o, 0, 200));
}
my @lines = grep { /AH53042/ } t_finish_error_log_watch();
is(scalar @lines, scalar @bad, 'one AH53042 line per infected request');
like($lines[0] // '', qr/\[spamgear:warn\] .*AH53042: spamgear: upload: infected: vhost \S+:\d+, client 127\.0\.0\.1, URI \/up\/rec\.php, part up, file avatar\.jpg, signature SPAMGEAR PHP\.Backdoor\.EvalRequest$/,
     'the line names vhost, client, URI, part, file name and signature');

# --- clean raw PUT and X-File-Name arrive intact
($st, $out) = send_raw('PUT', '/up/rec.php', "Content-Type: application/octet-stream\r\n", $CLEAN_BIG);
like($out, qr/^raw 100000 ${\ sha256_hex($CLEAN_BIG)}$/m, 'clean PUT body arrives byte for byte');
($st, $out) = send_raw('PUT', '/up-fpm/rec.php', "Content-Type: application/octet-stream\r\n", $CLEAN_BIG);
like($out, qr/^raw 100000 ${\ sha256_hex($CLEAN_BIG)}$/m, 'and through php-fpm');
# Chunked: mod_php reads it all; proxy_fcgi passes php-fpm no chunked body at
# all (httpd's limitation): either way the handler reads what it would read
# without the module.
my (undef, $o_off) = send_raw('PUT', '/up-off/rec.php', '', $CLEAN_BIG, chunked => 1);
($st, $out) = send_raw('PUT', '/up/rec.php', '', $CLEAN_BIG, chunked => 1);
my ($raw_on) = $out =~ /^(raw .*)$/m;
my ($raw_off) = $o_off =~ /^(raw .*)$/m;
ok(defined $raw_on && $raw_on eq ($raw_off // '')
   && (!have_mod_php() || $raw_on eq 'raw 100000 ' . sha256_hex($CLEAN_BIG)),
   'chunked PUT: the handler reads what it reads without scanning (mod_php: all 100 KB)')
    or diag("on: " . ($raw_on // 'none') . ", off: " . ($raw_off // 'none'));

# --- executable names
($st, $out) = post_form('/up/rec.php', form(part('up', 'shell.pHp', 'harmless')));
ok($st == 403 && $out !~ /RAN-REC/, 'a .php file name is refused');
($st) = post_form('/up/rec.php', form(part('up', '.htaccess', 'AddType x .jpg')));
is($st, 403, '.htaccess is refused');
($st) = post_form('/up/rec.php', form(part('up', 'C:\\x\\.user.ini', 'auto_prepend_file=a')));
is($st, 403, '.user.ini after a Windows path is refused (PHP keeps the basename)');
($st) = send_raw('POST', '/up/rec.php', "Content-Type: application/octet-stream\r\nX-File-Name: a.phtml\r\n", 'harmless');
is($st, 403, 'X-File-Name a.phtml is refused');
($st) = post_form('/up-names/rec.php', form(part('up', 'shell.php', 'harmless')));
is($st, 200, 'SpamGearUploadDenyNames replaces the built-in list');
($st) = post_form('/up-names/rec.php', form(part('up', 'setup.EXE', 'harmless')));
is($st, 403, 'and its own pattern refuses');

# --- SpamGearUploadBodies: form fields, urlencoded and other bodies
my $EDIT = "<?php \@eval(\$_POST['x']);\n";         # what a theme editor would save
(my $EDIT_ENC = $EDIT) =~ s/([^A-Za-z0-9_.-])/sprintf('%%%02X', ord $1)/ge;
(my $EDIT_JSON = $EDIT) =~ s/\n/\\n/;
my %bodies = (
    'urlencoded'          => ["application/x-www-form-urlencoded", "file=header.php&newcontent=$EDIT_ENC&action=update"],
    'urlencoded, charset' => ["application/x-www-form-urlencoded; charset=UTF-8", "newcontent=$EDIT_ENC"],
    'JSON'                => ["application/json", qq({"file":"header.php","content":"$EDIT_JSON"})],
    'text/plain'          => ["text/plain", $EDIT],
    'no Content-Type'     => ['', $EDIT],
);
sub post_body { my ($path, $ctype, $body) = @_;
    send_raw('POST', $path, $ctype ? "Content-Type: $ctype\r\n" : '', $body) }
my $MP_FIELD = form(part('file', undef, 'header.php'), part('newcontent', undef, $EDIT));
t_start_error_log_watch();
for my $case (sort keys %bodies) {
    my ($ct, $body) = @{ $bodies{$case} };
    for my $path ('/up-forms/rec.php', '/up-forms-fpm/rec.php') {
        my ($s, $o) = post_body($path, $ct, $body);
        ok($s == 403 && $o !~ /RAN-REC/, "SpamGearUploadBodies on: $case backdoor on $path: 403 before PHP ran")
            or diag("status $s: " . substr($o, 0, 200));
    }
    my ($s, $o) = post_body('/up/rec.php', $ct, $body);
    like($o, qr/^RAN-REC /m, "default (files only): $case body not read, PHP runs");
}
($st, $out) = post_form('/up-forms/rec.php', $MP_FIELD);
ok($st == 403 && $out !~ /RAN-REC/, 'SpamGearUploadBodies fields: a multipart form field backdoor: 403');
($st, $out) = post_form('/up/rec.php', $MP_FIELD);
like($out, qr/^field newcontent ${\ length $EDIT}$/m, 'default: multipart fields are not scanned');
my @form_lines = grep { /AH53042/ } t_finish_error_log_watch();
like(join('', @form_lines), qr/AH53042: spamgear: upload: infected: vhost \S+:\d+, client 127\.0\.0\.1, URI \/up-forms\/rec\.php, part newcontent, file -, signature SPAMGEAR PHP\.Backdoor\.EvalRequest$/m,
     'the AH53042 line names the form field');
# Clean bodies still arrive intact with scanning on.
my $CLEAN_FORM = "title=a+note&body=" . ('caf%C3%A9+%3Cb%3Ebold%3C%2Fb%3E+' x 50) . "&n=1";
for my $path ('/up-forms/rec.php', '/up-forms-fpm/rec.php') {
    ($st, $out) = post_body($path, 'application/x-www-form-urlencoded', $CLEAN_FORM);
    ok($st == 200 && $out =~ /^field title 6$/m && $out =~ /^field body 900$/m, "$path: a clean form arrives (fields decoded by PHP)")
        or diag("status $st: " . substr($out, 0, 300));
    my $json = '{"a":[1,2,3],"s":"' . ('x' x 5000) . '"}';
    ($st, $out) = post_body($path, 'application/json', $json);
    like($out, qr/^raw ${\ length $json} ${\ sha256_hex($json)}$/m, "$path: a clean JSON body arrives byte for byte");
}
($st, $out) = post_form('/up-forms/rec.php', form(part('title', undef, 'a note'), part('doc', 'a.txt', $CLEAN_TXT)));
ok($st == 200 && $out =~ /^field title 6$/m && $out =~ /^scanned doc=a\.txt$/m, 'clean multipart fields pass; only files are listed as scanned');
($st) = post_body('/up-forms/rec.php', 'application/x-www-form-urlencoded', join('&', map { "f$_=1" } 1 .. 10001));
is($st, 400, 'more than 10000 urlencoded fields: 400');

# --- limits, switches, keep
my $big = form(part('up', 'big.bin', 'x' x 5000));
($st, $out) = post_form('/up-limit/rec.php', $big);
ok($st == 413 && $out !~ /RAN-REC/, 'over SpamGearUploadMaxSize: 413');
($st) = post_form('/up-limit/rec.php', $big, chunked => 1);
is($st, 413, 'chunked over the limit: 413');
($st, $out) = post_form('/up-limit-allow/rec.php', form(part('up', 'big.bin', 'x' x 5000 . $SHELL)), chunked => 1);
like($out, qr/^file up big\.bin 0 5026 /m, 'SpamGearUploadOversize Allow: passed unscanned, intact');
($st, $out) = post_form('/up-off/rec.php', form(part('up', 'avatar.jpg', $SHELL)));
is($st, 200, 'SpamGearUploadScan Off: not scanned');

# --- SpamGearUploadKeep On: the refused part in the CLI's quarantine
my $Q = $ENV{SG_QUARANTINE};
my $CLI = $ENV{SG_CLI};
# cli(ARGS...): runs the spamgear tool; returns (exit status, stdout + stderr).
sub cli { my $o = `"$CLI" -c /dev/null quarantine --dir "$Q" @_ 2>&1`; return ($? >> 8, $o) }
my $FORM_SHELL = "<?php \@system(\$_GET['c']); \@eval(\$_POST['x']);\n";
(my $FORM_ENC = $FORM_SHELL) =~ s/([^A-Za-z0-9_.-])/sprintf('%%%02X', ord $1)/ge;
t_start_error_log_watch();
($st, $out) = post_form('/up-keep/rec.php', form(part('t', undef, 'note'), part('up', 'avatar.jpg', $SHELL)));
is($st, 422, 'SpamGearUploadStatus 422');
($st) = send_raw('POST', '/up-keep/rec.php', "Content-Type: application/x-www-form-urlencoded\r\n",
                 "a=1&content=$FORM_ENC&b=2");
is($st, 422, 'SpamGearUploadKeep + SpamGearUploadBodies: a form field refused');
my @keep_lines = grep { /AH53042/ } t_finish_error_log_watch();
my ($kc, $list) = cli('list');
is($kc, 0, 'spamgear quarantine list reads the records the web server wrote') or diag($list);
my @entries = $list =~ /^(\S+ \S+ upload .*)$/mg;
is(scalar @entries, 2, 'one entry per refused request') or diag($list);
# Ids sort by time, then at random: told apart by the part name.
my ($file_e) = grep { / part=up / } @entries;
my ($form_e) = grep { / part=content / } @entries;
like($file_e // '', qr{^\S+ \S+Z upload \S+:\S+ 0600 ${\ length $SHELL} upload://\S+:\d+/up-keep/rec\.php client=127\.0\.0\.1 part=up file=avatar\.jpg \[PHP\.Backdoor\.EvalRequest\]( \[[^]]+\])*$},
     'the entry names vhost, URI, client, part, file name, size and signatures');
like($form_e // '', qr{ ${\ length $FORM_SHELL} upload://\S+/up-keep/rec\.php client=127\.0\.0\.1 part=content file=- \[PHP\.Backdoor\.EvalRequest\] .*\[PHP\.Backdoor\.SystemRequest\]},
     'a form field is kept decoded, under its field name, with every signature');
my ($id) = ($file_e // '') =~ /^(\S+)/;
my ($fid) = ($form_e // '') =~ /^(\S+)/;
like($keep_lines[0] // '', qr/AH53042: .*part up, file avatar\.jpg, signature \S+ \S+, quarantined as \Q$id\E$/,
     'the AH53042 line gives the quarantine id');
my $to = "$SPOOL/../extracted.bin";
unlink $to;
my ($rc, $ro) = cli('restore', $id);
ok($rc == 2 && $ro =~ /refused upload has no path; extract it with --to PATH/, 'a refused upload is not restored to a path')
    or diag("exit $rc: $ro");
($rc, $ro) = cli('restore', '--to', $to, $id);
ok($rc == 0 && -f $to, 'restore --to extracts it') or diag("exit $rc: $ro");
is(sha256_hex(-f $to ? slurp($to) : ''), sha256_hex($SHELL), 'the extracted copy is the part that was sent, byte for byte');
($rc, $ro) = cli('restore', '--to', $to, $fid);
ok($rc == 2 && $ro =~ /exists; --force replaces it/, 'restore --to does not overwrite without --force') or diag("exit $rc: $ro");
($rc, $ro) = cli('restore', '--force', '--to', $to, $fid);
is(sha256_hex(-f $to ? slurp($to) : ''), sha256_hex($FORM_SHELL), 'with --force it does: the decoded field value');
unlink $to;
# A quarantine the children cannot write: the verdict stands, one AH53048 line.
chmod 0500, $Q;
t_start_error_log_watch();
($st, $out) = post_form('/up-keep/rec.php', form(part('up', 'avatar.jpg', $SHELL)));
my @qerr = grep { /AH53048|AH53042/ } t_finish_error_log_watch();
chmod 01770, $Q;
ok($st == 422 && $out !~ /RAN-REC/, 'unwritable quarantine: still refused');
like(join('', @qerr), qr/\[spamgear:error\] .*AH53048: spamgear: upload: refused, but not kept in the quarantine \(\Q$Q\E must be writable by the server's user\): /,
     'and an AH53048 error line says why it was not kept');
unlike(join('', @qerr), qr/quarantined as/, 'the AH53042 line claims no quarantine id');

# --- the strict parser: 400 for every ambiguous body; differential with PHP
my $CD = 'Content-Disposition: form-data; ';
my %strict = (
    'preamble'               => "junk\r\n" . form(part('up', 'a.txt', $SHELL)),
    'LF before the boundary' => "--$B\r\n${CD}name=\"a\"\r\n\r\nx\n--$B\r\n${CD}name=\"up\"; filename=\"s.txt\"\r\n\r\n$SHELL\r\n--$B--\r\n",
    'LF header line endings' => "--$B\n${CD}name=\"up\"; filename=\"s.txt\"\n\n$SHELL\r\n--$B--\r\n",
    'mixed header endings'   => "--$B\r\n${CD}name=\"up\"; filename=\"s.txt\"\nContent-Type: text/plain\r\n\r\n$SHELL\r\n--$B--\r\n",
    'folded header'          => "--$B\r\n${CD}name=\"up\";\r\n filename=\"s.txt\"\r\n\r\n$SHELL\r\n--$B--\r\n",
    'duplicate disposition'  => "--$B\r\n${CD}name=\"a\"\r\n${CD}name=\"up\"; filename=\"s.txt\"\r\n\r\n$SHELL\r\n--$B--\r\n",
    'no disposition'         => "--$B\r\nContent-Type: text/plain\r\n\r\n$SHELL\r\n--$B--\r\n",
    'unquoted filename'      => "--$B\r\n${CD}name=up; filename=s.txt\r\n\r\n$SHELL\r\n--$B--\r\n",
    'single quotes'          => "--$B\r\n${CD}name='up'; filename='s.txt'\r\n\r\n$SHELL\r\n--$B--\r\n",
    'filename*='             => "--$B\r\n${CD}name=\"up\"; filename*=UTF-8''s.txt\r\n\r\n$SHELL\r\n--$B--\r\n",
    'duplicate filename'     => "--$B\r\n${CD}name=\"up\"; filename=\"a.txt\"; filename=\"s.txt\"\r\n\r\n$SHELL\r\n--$B--\r\n",
    'escaped quote'          => "--$B\r\n${CD}name=\"up\"; filename=\"s\\\".txt\"\r\n\r\n$SHELL\r\n--$B--\r\n",
    'nested multipart'       => "--$B\r\n${CD}name=\"up\"\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Disposition: file; filename=\"s.txt\"\r\n\r\n$SHELL\r\n--zz--\r\n\r\n--$B--\r\n",
    'base64 part'            => "--$B\r\n${CD}name=\"up\"; filename=\"s.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\nPD9waHAgQGV2YWwoJF9QT1NUWyd4J10pOw==\r\n--$B--\r\n",
    'data after the end'     => form(part('a', undef, 'x')) . "--$B\r\n${CD}name=\"up\"; filename=\"s.txt\"\r\n\r\n$SHELL\r\n--$B--\r\n",
    'no final boundary'      => "--$B\r\n${CD}name=\"up\"; filename=\"s.txt\"\r\n\r\n$SHELL",
    'boundary prefix'        => "--$B\r\n${CD}name=\"a\"\r\n\r\nx\r\n--${B}X\r\n${CD}name=\"up\"; filename=\"s.txt\"\r\n\r\n$SHELL\r\n--$B--\r\n",
    'too many parts'         => form((map { part("f$_", undef, 'x') } 1 .. 300), part('up', 's.txt', $SHELL)),
);
my @php_took;
for my $case (sort keys %strict) {
    my ($s1, $o1) = post_form('/up/rec.php', $strict{$case});
    ok($s1 == 400 && $o1 !~ /RAN-REC/, "strict: $case: 400") or diag("status $s1: " . substr($o1, 0, 200));
    my ($s0, $o0) = post_form('/up-off/rec.php', $strict{$case});
    push @php_took, $case if $o0 =~ /^file /m;
}
# Two content types PHP could read differently from the module.
($st) = send_raw('POST', '/up/rec.php', "Content-Type: multipart/form-data; boundary=a; boundary=$B\r\n", form(part('up', 's.txt', $SHELL)));
is($st, 400, 'strict: two boundary parameters: 400');
($st) = send_raw('POST', '/up/rec.php', "Content-Type: multipart/form-data; BOUNDARY=$B\r\n", form(part('up', 's.txt', $SHELL)));
is($st, 400, 'strict: upper-case BOUNDARY: 400');
ok(scalar @php_took >= 5, 'PHP itself stores a file from many of these bodies (' . join(', ', @php_took) . ')');

# Differential: bodies both accept; every file PHP stored was scanned.
my @both = (form(part('a', 'x.txt', 'one'), part('b', 'y.txt', 'two'), part('c', undef, 'f')),
            form(part('arr[]', 'p.txt', 'p'), part('arr[]', 'q.txt', 'q')),
            form(part('e', '', '')), form(part('d', '../../x/z.txt', 'zz')));
my $missed = 0;
for my $body (@both) {
    my ($s, $o) = post_form('/up/rec.php', $body);
    my ($scanned) = $o =~ /^scanned (.*)$/m;
    my %seen = map { $_ => 1 } split m{/}, $scanned // '';
    my $names = () = $body =~ /filename="/g;
    $missed++ if $s != 200 || scalar(keys %seen) != $names;
}
is($missed, 0, 'differential: every file part PHP receives was scanned');

# --- nothing left in the spool
sleep 1;
my @left = glob("$SPOOL/spamgear-*");
is(scalar @left, 0, 'no temp file left in SpamGearSpoolDir') or diag("@left");
