# Upload scanning looks into archives: a WordPress plugin .zip (and a
# .tar.gz) with a backdoor member is refused before PHP runs, the AH53042
# line naming the member; a clean .zip arrives byte for byte.  The archives
# are made here, at run time (IO::Compress::Zip, IO::Compress::Gzip).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::SHA qw(sha256_hex);
use IO::Compress::Zip qw(zip $ZipError);
use IO::Compress::Gzip qw(gzip $GzipError);
use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use SGTest;

plan tests => 7, need need_module('spamgear');

my $B = 'sgArchiveBoundary4711';
my $SHELL = "<?php eval(\$_POST[\"x\"]);\n";
my $PLUGIN = "<?php\n/* Plugin Name: My plugin */\nadd_action('init', 'my_init');\n";

# zip_of(NAME => CONTENT, ...): a zip, members deflated.
sub zip_of {
    my @m = @_;
    my ($out, $first) = ('', 1);
    my $z = IO::Compress::Zip->new(\$out, Name => $m[0], Method => 8) or die $ZipError;
    while (my ($name, $data) = splice @m, 0, 2) {
        $z->newStream(Name => $name, Method => 8) unless $first;
        $first = 0;
        $z->print($data);
    }
    $z->close;
    return $out;
}

# A ustar archive of NAME => CONTENT pairs, gzipped.
sub tar_gz_of {
    my @m = @_;
    my $tar = '';
    while (my ($name, $data) = splice @m, 0, 2) {
        my $h = pack('a100 a8 a8 a8 a12 a12 A8 a1 a100 a6 a2 a32 a32 a8 a8 a155 a12',
                     $name, '0000644', '0000000', '0000000', sprintf('%011o', length $data),
                     '00000000000', ' ' x 8, '0', '', 'ustar', '00', '', '', '', '', '', '');
        my $sum = unpack('%32C*', $h);
        substr($h, 148, 8) = sprintf('%06o', $sum) . "\0 ";
        $tar .= $h . $data . ("\0" x ((512 - length($data) % 512) % 512));
    }
    $tar .= "\0" x 1024;
    my $gz;
    gzip(\$tar => \$gz) or die $GzipError;
    return $gz;
}

sub post_file {
    my ($file, $data) = @_;
    my $body = "--$B\r\nContent-Disposition: form-data; name=\"plugin\"; filename=\"$file\"\r\n"
             . "Content-Type: application/zip\r\n\r\n$data\r\n--$B--\r\n";
    my ($st, undef, $out) = http_request('POST', '/up/rec.php', body => $body,
                                         type => "multipart/form-data; boundary=$B");
    return ($st, $out);
}

my $bad = zip_of('myplugin/myplugin.php' => $PLUGIN, 'myplugin/shell.php' => $SHELL);
my $clean = zip_of('myplugin/myplugin.php' => $PLUGIN, 'myplugin/readme.txt' => "readme\n");
ok(index($bad, 'eval') < 0, 'the backdoor is not visible in the zip\'s own bytes (deflated)');

t_start_error_log_watch();
my ($st, $out) = post_file('myplugin.zip', $bad);
ok($st == 403 && $out !~ /RAN-REC/, 'a plugin .zip with a backdoor member: 403, the script never ran')
    or diag("status $st: " . substr($out, 0, 200));
($st, $out) = post_file('theme.tar.gz', tar_gz_of('theme/functions.php' => $SHELL));
ok($st == 403 && $out !~ /RAN-REC/, 'a .tar.gz with a backdoor member: 403') or diag("status $st");
($st, $out) = post_file('avatar.jpg', $bad);
ok($st == 403, 'the same zip named avatar.jpg: 403 (known by its bytes)') or diag("status $st");
my @lines = grep { /AH53042/ } t_finish_error_log_watch();
like($lines[0] // '', qr/AH53042: spamgear: upload: infected: .* part plugin, file myplugin\.zip, signature SPAMGEAR PHP\.Backdoor\.EvalRequest, member myplugin\/shell\.php$/,
     'the AH53042 line names the archive member');
like($lines[1] // '', qr/file theme\.tar\.gz, signature SPAMGEAR PHP\.Backdoor\.EvalRequest, member theme\/functions\.php$/,
     'and the .tar.gz member');

($st, $out) = post_file('myplugin.zip', $clean);
ok($st == 200 && $out =~ /^file plugin myplugin\.zip 0 ${\ length $clean} ${\ sha256_hex($clean)}$/m,
   'a clean plugin .zip passes, byte for byte') or diag("status $st: " . substr($out, 0, 300));
