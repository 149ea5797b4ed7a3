# Upload scanning, SpamGearUploadMediaCode: an image, audio, video or document
# (by its file name or its first bytes) with PHP code in it is refused as
# PHP.Polyglot.CodeInMedia before PHP runs, under mod_php and php-fpm; the
# short tag with code and <?= count, <?xml and stray "<?" bytes in binary data
# do not (an SVG, a docx, random JPEG data pass intact).  SpamGearUploadMediaCode
# Scan leaves such files to the scan's own verdict.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::SHA qw(sha256_hex);
use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use SGTest;

plan tests => 2 * 6 + 2 * 5 + 4, need need_module('spamgear', 'proxy_fcgi', 'alias');

my $B = 'sgMediaBoundary5YWxk';
sub form { my ($name, $data) = @_;
    "--$B\r\nContent-Disposition: form-data; name=\"up\"; filename=\"$name\"\r\n"
    . "Content-Type: application/octet-stream\r\n\r\n$data\r\n--$B--\r\n" }
sub upload { my ($path, $name, $data) = @_;
    http_request('POST', $path, type => "multipart/form-data; boundary=$B", body => form($name, $data)) }

my $PNG_HEAD = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
my %bad = (
    'GIF89a + <?php, named .gif'          => ['a.gif', "GIF89a<?php echo 1; ?>\n"],
    'short open tag with code, named .jpg' => ['p.jpg', "<? eval(gzinflate(str_rot13(base64_decode('vUl6ck+NzM3NL0pNycxLt9JIL0rNS0ktKk5VSM7PK0nNK1FS0LRWAAA='))));\n"],
    '<?= file, named .png'                => ['e.png', "<?= \$_GET['c'] ?>\n"],
    'PHP after a PNG header, named .bin'  => ['up.bin', "$PNG_HEAD\0\0\0\x20tEXtComment\0<?php echo 'hi'; ?>"],
    'JPEG magic + PHP, raw name .txt'     => ['notes.txt', "\xff\xd8\xff\xe0\0\x10JFIF\0<?php echo 'x'; ?>"],
    'PDF with <?php, named .pdf'          => ['doc.pdf', "%PDF-1.4\n1 0 obj\n<?php echo 'x'; ?>\nendobj\n"],
);

# The good ones: an SVG with <?xml, a docx (a zip made here by python3,
# [Content_Types].xml stored so its "<?xml" is in the bytes), random JPEG
# data with stray "<? " and "<?=", a JPEG with an XMP packet.
my $svg = qq{<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet href="s.css" type="text/css"?>\n}
        . qq{<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n};
my $docx = `python3 -c 'import io, sys, zipfile
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr(zipfile.ZipInfo("[Content_Types].xml"), "<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?><Types/>")
    z.writestr("word/document.xml", "<?xml version=\\"1.0\\"?><w:document/>", compress_type=zipfile.ZIP_DEFLATED)
sys.stdout.buffer.write(b.getvalue())'`;
my $x = 7;
my $random = "\xff\xd8\xff\xe0" . join '', map { $x = ($x * 69069 + 1) % 2**32; chr(($x >> 16) & 255) } 1 .. 100_000;
substr($random, 5000, 3) = '<? ';
substr($random, 30000, 3) = '<?=';
my $xmp = "\xff\xd8\xff\xe1" . qq{<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/><?xpacket end="w"?>} . "\xff\xd9";
my %good = ('SVG with <?xml' => ['logo.svg', $svg], 'docx (zip with <?xml)' => ['report.docx', $docx],
            'random JPEG data with stray <? and <?=' => ['photo.jpg', $random],
            'JPEG with an XMP packet' => ['xmp.jpg', $xmp]);

t_start_error_log_watch();
for my $path ('/up/rec.php', '/up-fpm/rec.php') {
    for my $case (sort keys %bad) {
        my ($name, $data) = @{ $bad{$case} };
        my ($st, undef, $out) = upload($path, $name, $data);
        ok($st == 403 && $out !~ /RAN-REC/, "$path: $case: 403, PHP never ran") or diag("status $st: " . substr($out, 0, 200));
    }
}
my @lines = grep { /AH53042/ } t_finish_error_log_watch();
like(join('', @lines), qr/AH53042: spamgear: upload: infected: .*URI \/up\/rec\.php, part up, file a\.gif, signature SPAMGEAR PHP\.Polyglot\.CodeInMedia \(image by name \.gif, PHP at byte 6\)$/m,
     'the AH53042 line names the signature, what said it is media and where the code starts');
like(join('', @lines), qr/file up\.bin, signature SPAMGEAR PHP\.Polyglot\.CodeInMedia \(image by magic PNG, /m,
     'by its first bytes when the name says nothing');

for my $path ('/up/rec.php', '/up-fpm/rec.php') {
    for my $case (sort keys %good) {
        my ($name, $data) = @{ $good{$case} };
        my ($st, undef, $out) = upload($path, $name, $data);
        like($out, qr/^file up \Q$name\E 0 ${\ length $data} ${\ sha256_hex($data)}$/m, "$path: $case passes, intact")
            or diag("status $st: " . substr($out, 0, 200));
    }
    ok(length($docx) > 100 && index($docx, '<?xml') >= 0, 'the docx holds "<?xml" in its bytes');
}

# SpamGearUploadMediaCode Scan: the scan's verdict alone.
my ($st, undef, $out) = upload('/up-media-scan/rec.php', @{ $bad{'GIF89a + <?php, named .gif'} });
like($out, qr/^file up a\.gif 0 /m, 'SpamGearUploadMediaCode Scan: a harmless GIF polyglot passes');
($st) = upload('/up-media-scan/rec.php', 'a.gif', "GIF89a<?php \@eval(\$_POST['x']); ?>");
is($st, 403, 'SpamGearUploadMediaCode Scan: a backdoor in a GIF is still refused by its signature');
