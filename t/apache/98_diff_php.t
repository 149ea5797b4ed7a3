# Differential fuzzing of the upload scanner's multipart parser against PHP
# itself.  Each body (t/apache/lib/SGMultipartFuzz.pm: a valid form whose file
# part holds a backdoor, then 1-4 mutations) goes to diff.php twice: with
# SpamGearUploadScan Off, where PHP reports which files it stored and whether
# they hold the backdoor (PHP's view), and with scanning on.  Whenever PHP
# stores the backdoor, the scanning request must be refused (400, 403 or 413)
# and the script must not have run (diff.php logs every run).  Bodies the
# module passes (every tenth body carries clean text, so there are some) must
# reach PHP unchanged (same files, sizes and checksums).
# Done for mod_php (prefork run) and php-fpm (both runs), then for the fixed
# bodies that once escaped.
#
# Environment: SG_DIFF_ITER bodies (default 4000), SG_DIFF_SEED the seed
# (default: random, printed), SG_DIFF_ONLY=I,J replays just those iterations.
# A body that escapes is saved as t/logs/sg-diff-escape-SAPI-SEED-I.{ct,body}.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET ();
use MIME::Base64 qw(encode_base64);
use Time::HiRes ();
use Apache::Test qw(-withtestmore);
use SGTest;
use SGMultipartFuzz;

my $PAYLOAD = "<?php \@eval(\$_POST['x']);\n";
my $CLEAN = "just a note, nothing to run\n";
my $ITER = $ENV{SG_DIFF_ITER} // 4000;
my $SEED = $ENV{SG_DIFF_SEED} // ((time() ^ ($$ << 15)) & 0xffffffff);
my @ITERS = $ENV{SG_DIFF_ONLY} ? split(/,/, $ENV{SG_DIFF_ONLY}) : (0 .. $ITER - 1);
my @SAPIS = (have_mod_php() ? (['mod_php', '/diff-off/diff.php', '/diff-on/diff.php']) : (),
             ['php-fpm', '/diff-fpm-off/diff.php', '/diff-fpm-on/diff.php']);
my $LOGS = Apache::Test::vars('t_logs');

# Bodies that once passed the scanner while PHP stored the backdoor: [name,
# Content-Type, body].  Each must be refused; PHP must store the file from it.
my $B = 'sgDiffFixed';
my $CD = 'Content-Disposition: form-data; ';
my $FORM = "--$B\r\n${CD}name=\"up\"; filename=\"s.txt\"\r\n\r\n$PAYLOAD\r\n--$B--\r\n";
my @FIXED = (
    # PHP's SAPI ends the media type at ',' as at ';': not scanned at all.
    ['comma after the media type', "multipart/form-data,boundary=$B", $FORM],
    ['comma and space after the media type', "multipart/form-data, boundary=$B", $FORM],
    # PHP reads part headers in 5120-byte lines: the Content-Disposition at
    # byte 5120 of X-Pad is a header of its own to PHP, the first one.
    ['Content-Disposition at byte 5120 of a header line', "multipart/form-data; boundary=$B",
     "--$B\r\nX-Pad: " . ('a' x (5120 - 7)) . "${CD}name=\"up\"; filename=\"s.txt\"\r\n"
     . "${CD}name=\"a\"\r\n\r\n$PAYLOAD\r\n--$B--\r\n"],
);

plan tests => 3 * @SAPIS + 2 * @FIXED * @SAPIS, need need_module('spamgear', 'proxy_fcgi', 'alias');

$SIG{PIPE} = 'IGNORE';
my $runs = "$LOGS/sg-diff-runs";
open my $rfh, '>', $runs or die "$runs: $!";
close $rfh;
chmod 0666, $runs;
open my $runlog, '<', $runs or die "$runs: $!";

# post(PATH, CONTENT_TYPE, BODY, ID): one HTTP/1.0 POST; (status, response body).
sub post {
    my ($path, $ct, $body, $id) = @_;
    my ($host, $port) = split /:/, hostport_of();
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 30)
        or return (0, "connect: $!");
    binmode $sock;
    print $sock "POST $path HTTP/1.0\r\nHost: $host:$port\r\nContent-Type: $ct\r\n"
        . "X-SG-Diff-Id: $id\r\nX-SG-Diff-Payload: " . encode_base64($PAYLOAD, '') . "\r\n"
        . "Content-Length: " . length($body) . "\r\n\r\n", $body;
    local $/;
    my $res = <$sock> // '';
    close $sock;
    my ($head, $rbody) = split /\r\n\r\n/, $res, 2;
    my ($st) = ($head // '') =~ m{^HTTP/\d\.\d (\d{3})};
    return ($st || 0, $rbody // '');
}

# The ids diff.php logged since the last call.
sub new_runs {
    my @ids;
    seek $runlog, 0, 1;    # clear EOF
    while (my $l = <$runlog>) { chomp $l; push @ids, $l }
    return { map { $_ => 1 } @ids };
}

# PHP's view from diff.php's output: (sorted file lines, payload stored?).
sub php_view {
    my $out = shift;
    my @files = sort $out =~ /^(file \S+ \d+ [01] [0-9a-f]{64})$/mg;
    return (\@files, scalar grep { / 1 [0-9a-f]{64}$/ } @files);
}

sub save_escape {
    my ($sapi, $i, $ct, $body) = @_;
    my $base = "$LOGS/sg-diff-escape-$sapi-$SEED-$i";
    for (['ct', $ct], ['body', $body]) {
        open my $fh, '>:raw', "$base.$_->[0]" or die "$base.$_->[0]: $!";
        print $fh $_->[1];
        close $fh;
    }
    return $base;
}

# One body through one SAPI: a hash of what happened.
sub check_body {
    my ($sapi, $off, $on, $id, $ct, $body) = @_;
    my ($s0, $o0) = post($off, $ct, $body, "$id-off");
    my ($view0, $php_payload) = php_view($o0);
    new_runs();
    my ($s1, $o1) = post($on, $ct, $body, "$id-on");
    my $ran = new_runs()->{"$id-on"} || $o1 =~ /^RAN-DIFF/m;
    my ($view1, $on_payload) = php_view($o1);
    my $refused = $s1 == 400 || $s1 == 403 || $s1 == 413;
    return { php => $php_payload ? 1 : 0, status => $s1, ran => $ran ? 1 : 0,
             escape => ($php_payload || $on_payload) && ($ran || !$refused) ? 1 : 0,
             changed => $ran && $s0 == $s1 && "@$view0" ne "@$view1" ? 1 : 0,
             off_status => $s0, off_ran => $o0 =~ /^RAN-DIFF/m ? 1 : 0 };
}

# To stderr, not through Test::More: the harness shows it without -verbose,
# so every make check log has the seed and the figures.
sub say_err { print STDERR "# $_[0]\n" }

say_err("98_diff_php.t: seed $SEED (SG_DIFF_SEED), " . scalar(@ITERS) . " bodies (SG_DIFF_ITER)");
for my $s (@SAPIS) {
    my ($sapi, $off, $on) = @$s;
    my %n = (bodies => 0, php => 0, passed => 0, changed => 0, offdown => 0);
    my (%by_status, @esc, @chg);
    my $t0 = Time::HiRes::time();
    for my $i (@ITERS) {
        # Every tenth body carries clean text instead: most of those pass,
        # and PHP must then see the same files as without the module.
        my ($ct, $body, $tags) = SGMultipartFuzz::body($SEED, $i, $i % 10 == 9 ? $CLEAN : $PAYLOAD);
        my $r = check_body($sapi, $off, $on, "$SEED-$i-$sapi", $ct, $body);
        $n{bodies}++;
        $n{offdown}++ unless $r->{off_ran};
        $n{passed}++ if $r->{ran};
        if ($r->{php}) {
            $n{php}++;
            $by_status{$r->{status}}++;
        }
        push @esc, "iteration $i [$tags]: status $r->{status}, script ran $r->{ran}, saved as "
            . save_escape($sapi, $i, $ct, $body) if $r->{escape};
        if ($r->{changed}) { $n{changed}++; push @chg, "iteration $i [$tags]" }
    }
    my $secs = sprintf '%.1f', Time::HiRes::time() - $t0;
    my $refused = join(', ', map { "$_: $by_status{$_}" } sort keys %by_status) || 'none';
    my $summary = "$sapi: $n{bodies} bodies in ${secs}s (seed $SEED); PHP stored the backdoor "
        . "from $n{php}; the module answered those with {$refused}; passed $n{passed}; escapes " . scalar(@esc);
    say_err($summary);
    ok(!@esc, "$sapi: no body PHP stores the backdoor from passes the scanner")
        or say_err(join "\n# ", "seed $SEED, escapes (SG_DIFF_SEED=$SEED SG_DIFF_ONLY=I reproduces one):",
                   @esc[0 .. ($#esc < 19 ? $#esc : 19)]);
    ok($n{php} >= 1 && $n{offdown} == 0, "$sapi: PHP stored the backdoor from $n{php} bodies, "
       . "every unscanned request reached PHP")
        or say_err("$n{offdown} requests to $off did not run the script");
    ok(!@chg, "$sapi: the $n{passed} bodies passed reach PHP unchanged")
        or say_err(join "\n# ", 'PHP saw other files with scanning on:', @chg[0 .. ($#chg < 9 ? $#chg : 9)]);
}

# The fixed bodies: PHP stores the backdoor from each, the module refuses it.
for my $s (@SAPIS) {
    my ($sapi, $off, $on) = @$s;
    for my $f (@FIXED) {
        my ($name, $ct, $body) = @$f;
        my $r = check_body($sapi, $off, $on, "fixed-$sapi", $ct, $body);
        ok($r->{php}, "$sapi: fixed case '$name': PHP stores the backdoor from it");
        ok(!$r->{escape} && !$r->{ran}, "$sapi: fixed case '$name': refused ($r->{status}), never ran");
    }
}
