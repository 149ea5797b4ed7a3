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

plan tests => 69, need need_module('spamgear', 'proxy_fcgi', 'alias');

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
($st, $out) = post_form('/up-keep/rec.php', form(part('up', 'avatar.jpg', $SHELL)));
is($st, 422, 'SpamGearUploadStatus 422');
my @kept = glob("$SPOOL/spamgear-kept-*");
is(scalar @kept, 1, 'SpamGearUploadKeep On keeps the refused body');
unlink @kept;

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
