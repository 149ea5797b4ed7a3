# spamgear in .htaccess, tighten-only: what a customer may set changes
# behaviour (own login URL counted and banned, no-exec on, lower upload
# limit, more denied names, more body kinds); every loosening (or server-wide
# directive) answers 500 with one alert naming the file, the line and why,
# and leaves the stricter behaviour of the siblings alone; AllowOverrideList
# cannot open a way around it; without the override httpd says "not allowed
# here".  Directories: t/apache/htdocs/{cust,listed,nogrant}, conf/extra.conf.in.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use SGTest;

plan tests => 40, need need_module('spamgear', 'remoteip', 'proxy_fcgi');

my $sapi = php_sapi();
my $B = 'sgHtaccessBoundary';
my $SHELL = "<?php \@eval(\$_POST['x']);\n";

# upload(PATH, [FIELD, FILENAME or undef, DATA]...): a multipart POST; (status, body).
sub upload {
    my ($path, @parts) = @_;
    my $body = join('', map {
        my ($field, $file, $data) = @$_;
        "--$B\r\nContent-Disposition: form-data; name=\"$field\""
            . (defined $file ? "; filename=\"$file\"" : '') . "\r\n\r\n$data\r\n"
    } @parts) . "--$B--\r\n";
    my ($st, undef, $rbody) = http_request('POST', $path, body => $body,
                                           type => "multipart/form-data; boundary=$B");
    return ($st, $rbody);
}

# refused_500(PATH, FILE_RE, WHY_RE): 500, nothing ran, and exactly one alert
# line naming the .htaccess (FILE_RE), a line number and the reason (WHY_RE).
sub refused_500 {
    my ($path, $file_re, $why_re) = @_;
    t_start_error_log_watch();
    my ($st, undef, $body) = fetch($path);
    my @alerts = grep { /:alert\].*$file_re/ } t_finish_error_log_watch();
    my $ok = $st == 500 && $body !~ /RAN-/ && @alerts == 1 && $alerts[0] =~ $why_re;
    ok($ok, "$path: 500 and one alert matching $why_re")
        or diag("status $st, alerts:\n@alerts\nbody: " . substr($body, 0, 200));
}

# --- what a customer may set changes behaviour
refused('/cust/private/page.php');                                   # SpamGearNoExec On
runs_php('/cust/public/page.php', $sapi, 'page.php');                # its sibling runs
runs_php('/cust/private/admin-ok/page.php', $sapi, 'page.php');      # admin <Directory> Off below

my ($st, $b) = upload('/cust/forms/rec.php', ['f', 'small.txt', 'x' x 1000]);
ok($st == 200 && $b =~ /^file f small\.txt 1000$/m, 'a 1000-byte upload under the 2k limit arrives')
    or diag("status $st: $b");
($st, $b) = upload('/cust/forms/rec.php', ['f', 'big.txt', 'x' x 4000]);
ok($st == 413 && $b !~ /RAN-/, 'a 4000-byte upload over the .htaccess limit 2k is refused (413)')
    or diag("status $st: $b");
($st, $b) = upload('/up/rec.php', ['f', 'big.txt', 'x' x 4000]);
ok($st == 200 && $b =~ /^file f big\.txt 0 4000 /m, 'the same upload elsewhere arrives')
    or diag("status $st: $b");
($st, $b) = upload('/cust/forms/rec.php', ['f', 'logo.svgz', 'abc']);
ok($st == 403 && $b !~ /RAN-/, 'a name the .htaccess added (\.svgz$) is refused')
    or diag("status $st: $b");
($st, $b) = upload('/cust/forms/rec.php', ['f', 'x.phtml', 'abc']);
ok($st == 403 && $b !~ /RAN-/, 'a built-in denied name (.phtml) is still refused')
    or diag("status $st: $b");
($st, $b) = upload('/up/rec.php', ['f', 'logo.svgz', 'abc']);
ok($st == 200 && $b =~ /^file f logo\.svgz 0 3 /m, 'logo.svgz elsewhere arrives') or diag("status $st: $b");
($st, $b) = upload('/cust/forms/rec.php', ['comment', undef, $SHELL]);
ok($st == 403 && $b !~ /RAN-/, 'SpamGearUploadBodies fields: a form field with a shell is refused')
    or diag("status $st: $b");
($st, $b) = upload('/up/rec.php', ['comment', undef, $SHELL]);
ok($st == 200 && $b =~ /^field comment \d+$/m, 'the same field elsewhere is not scanned (default: files)')
    or diag("status $st: $b");

# where the admin loosened (cust/noscan: scanning off, media code scanned,
# oversize allowed), the customer's .htaccess (cust/rescan) tightens again
my $GIF = "GIF89a\x01\x00\x01\x00\x00\x00\x00;<?php system(\$_GET['c']); ?>";
($st, $b) = upload('/cust/noscan/rec.php', ['f', 'shell.txt', $SHELL]);
ok($st == 200 && $b =~ /^file f shell\.txt /m, 'admin: SpamGearUploadScan Off lets a shell through')
    or diag("status $st: $b");
($st, $b) = upload('/cust/rescan/rec.php', ['f', 'shell.txt', $SHELL]);
ok($st == 403 && $b !~ /RAN-/, '.htaccess SpamGearUploadScan On: the shell is refused')
    or diag("status $st: $b");
($st, $b) = upload('/cust/rescan/rec.php', ['f', 'pic.gif', $GIF]);
ok($st == 403 && $b !~ /RAN-/, '.htaccess SpamGearUploadMediaCode Refuse: a GIF with PHP is refused')
    or diag("status $st: $b");
($st, $b) = upload('/cust/noscan/rec.php', ['f', 'big.txt', 'x' x 4000]);
ok($st == 200 && $b =~ /^file f big\.txt 4000$/m, 'admin: SpamGearUploadOversize Allow passes 4000 bytes over 2k')
    or diag("status $st: $b");
($st, $b) = upload('/cust/rescan/rec.php', ['f', 'big.txt', 'x' x 4000]);
ok($st == 413 && $b !~ /RAN-/, '.htaccess SpamGearUploadOversize Deny: 413')
    or diag("status $st: $b");
($st, $b) = upload('/cust/rescan/rec.php', ['f', 'small.txt', 'hello']);
ok($st == 200 && $b =~ /^file f small\.txt 5$/m, 'a clean small upload still arrives there')
    or diag("status $st: $b");

# the customer's own login URL counts against the vhost's limit (3 in 60 s)
my @fails = map { (http_request('POST', '/cust/members/sign-in.php', vhost => 'sg_login',
                                xff => '203.0.113.201', body => 'user=a&pass=b'))[0] } 1 .. 3;
is("@fails", '200 200 200', 'three failed POSTs to the customer\'s login URL are answered');
is((http_request('GET', '/index.php', vhost => 'sg_login', xff => '203.0.113.201'))[0], 403,
   'and the client is banned (SpamGearLoginMatch from .htaccess)');
@fails = map { (http_request('POST', '/members/sign-in.php', vhost => 'sg_login',
                             xff => '203.0.113.202', body => 'user=a&pass=b'))[0] } 1 .. 4;
is((http_request('GET', '/index.php', vhost => 'sg_login', xff => '203.0.113.202'))[0], 200,
   'the pattern counts nowhere outside the customer\'s directory (/members/sign-in.php, 404)');

# --- loosening: 500, one alert with file, line and why
my $LN = qr/\(line 2\) refused: /;
refused_500('/cust/loose/noexec/uploads/page.php', qr{cust/loose/noexec/uploads/\.htaccess: },
            qr/SpamGearNoExec Off $LN.*never off/);
refused('/cust/loose/other/uploads/page.php');     # the sibling uploads dir keeps no-exec
refused_500('/cust/loose/scan/page.php', qr{cust/loose/scan/\.htaccess: },
            qr/SpamGearUploadScan Off $LN/);
refused_500('/cust/loose/onerror/page.php', qr{cust/loose/onerror/\.htaccess: },
            qr/SpamGearUploadOnError Allow $LN.*only say Deny/);
refused_500('/cust/loose/oversize/page.php', qr{cust/loose/oversize/\.htaccess: },
            qr/SpamGearUploadOversize Allow $LN/);
refused_500('/cust/loose/media/page.php', qr{cust/loose/media/\.htaccess: },
            qr/SpamGearUploadMediaCode Scan $LN.*only say Refuse/);
refused_500('/cust/loose/names/page.php', qr{cust/loose/names/\.htaccess: },
            qr/SpamGearUploadDenyNames none $LN.*never remove/);
refused_500('/cust/loose/max/page.php', qr{cust/loose/max/\.htaccess: },
            qr/SpamGearUploadMaxSize 1G $LN.*larger than the 67108864 bytes/);
refused_500('/cust/forms/bigger/rec.php', qr{cust/forms/bigger/\.htaccess: },
            qr/SpamGearUploadMaxSize 8k $LN.*larger than the 2048 bytes/);
refused_500('/cust/loose/keep/page.php', qr{cust/loose/keep/\.htaccess: },
            qr/SpamGearUploadKeep $LN.*only the server configuration/);
refused_500('/cust/loose/login/page.php', qr{cust/loose/login/\.htaccess: },
            qr/SpamGearLogin $LN.*only the server configuration/);
($st, $b) = upload('/cust/forms/rec.php', ['f', 'shell.txt', $SHELL]);
ok($st == 403 && $b !~ /RAN-/, 'a shell uploaded to the sibling directory is still refused')
    or diag("status $st: $b");

# --- AllowOverrideList names the directive: the module still refuses Off
refused_500('/listed/wp-content/uploads/page.php', qr{listed/wp-content/uploads/\.htaccess: },
            qr/SpamGearNoExec Off $LN/);
refused_500('/listed/limit/page.php', qr{listed/limit/\.htaccess: },
            qr/SpamGearLoginLimit $LN.*only the server configuration/);
refused('/listed/strict/page.php');                 # "On" is allowed through the list
# the server's limit (3) was not changed by the refused .htaccess line
@fails = map { (http_request('POST', '/login/wp-login.php', vhost => 'sg_login',
                             xff => '203.0.113.203', body => 'log=a&pwd=b'))[0] } 1 .. 3;
is((http_request('GET', '/index.php', vhost => 'sg_login', xff => '203.0.113.203'))[0], 403,
   'SpamGearLoginLimit 3 still bans after three failures');

# --- without the override: httpd's own "not allowed here"
refused_500('/nogrant/page.php', qr{nogrant/\.htaccess: }, qr/SpamGearNoExec not allowed here$/);

# --- the status page lists the .htaccess files with spamgear lines
my ($sj, undef, $json) = http_request('GET', '/sg-status?json', vhost => 'sg_login');
ok($json =~ m{"path": "[^"]*/htdocs/cust/private/\.htaccess", "read": [1-9]\d*, "refused": 0}
   && $json =~ m{"path": "[^"]*/htdocs/cust/\.htaccess", "read": [1-9]\d*, "refused": 0},
   'status ?json: customer .htaccess files that tighten, with their lines read')
    or diag("status $sj: $json");
like($json, qr{"path": "[^"]*/htdocs/cust/loose/noexec/uploads/\.htaccess", "read": \d+, "refused": [1-9]},
     'status ?json: a refused .htaccess, with its refusals');
my (undef, undef, $html) = http_request('GET', '/sg-status', vhost => 'sg_login');
like($html, qr{<table id="htaccess">.*<td>[^<]*/htdocs/cust/forms/bigger/\.htaccess</td><td class="n">\d+</td><td class="n">[1-9]}s,
     'status page: the table names a size refused at merge (AH53070) too');
