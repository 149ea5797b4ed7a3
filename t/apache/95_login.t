# Login counting and bans: limit, successes, exempt ranges, expiry, IPv6
# prefixes and IPv4-mapped clients (via mod_remoteip), 429, xmlrpc multicall,
# scope, the status page, and exact counting under concurrency.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::MD5 qw(md5_hex);
use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use SGTest;

plan tests => 51, need need_module('spamgear', 'remoteip', 'socache_shmcb', 'proxy_fcgi'),
    { 'ab (apache2-utils)' => scalar(grep { -x "$_/ab" } split /:/, $ENV{PATH}) };

my $LOGIN = '/login/wp-login.php';
my $XMLRPC = '/login/xmlrpc.php';

sub fail_login { my ($xff, %o) = @_; (http_request('POST', $LOGIN, xff => $xff, body => 'log=admin&pwd=wrong', %o))[0] }
sub good_login { my ($xff, %o) = @_; http_request('POST', $LOGIN, xff => $xff, body => 'log=admin&pwd=right', %o) }
sub get_page { my ($xff, %o) = @_; (http_request('GET', '/index.php', xff => $xff, %o))[0] }

sub multicall {
    my (@methods) = @_;
    my $calls = join '', map {
        "<value><struct><member><name>methodName</name><value><string>$_</string></value></member>"
        . "<member><name>params</name><value><array><data><value><string>admin</string></value>"
        . "<value><string>pw</string></value></data></array></value></member></struct></value>"
    } @methods;
    return '<?xml version="1.0"?><methodCall><methodName>system.multicall</methodName><params>'
        . "<param><value><array><data>$calls</data></array></value></param></params></methodCall>";
}

# ban_lines(CLIENT, LINES): the AH53020 lines for CLIENT.
sub ban_lines { my $c = shift; grep { /AH53020: spamgear: ban: client \Q$c\E banned/ } @_ }

# --- ban exactly after the limit (3 in 60 s, ban 3 s)
t_start_error_log_watch();
my @st = map { fail_login('198.51.100.10', vhost => 'sg_login') } 1 .. 3;
is("@st", '200 200 200', 'three failed logins are answered (limit 3)');
is(get_page('198.51.100.10', vhost => 'sg_login'), 403, 'the next request of that client is refused');
is(fail_login('198.51.100.10', vhost => 'sg_login'), 403, 'and so is another login');
is(get_page('198.51.100.10', vhost => 'sg_login', host => 'localhost:1'), 403,
   'a Host header naming another port does not escape the ban');
my @lines = ban_lines('198.51.100.10', t_finish_error_log_watch());
is(scalar @lines, 1, 'one AH53020 line for the ban');
like($lines[0] // '', qr/\[spamgear:warn\] .*AH53020: spamgear: ban: client 198\.51\.100\.10 banned for 3s \(key 198\.51\.100\.10, scope \S+:\d+, ban 1\): 3 failed logins within 60s, last POST \/login\/wp-login\.php status 200$/,
     'the ban line has the stable format');
is(get_page('198.51.100.99', vhost => 'sg_login'), 200, 'other clients are served');
my $banned_at = time;

# --- the script httpd runs decides, not the URI text: path info after the
# script's name (PHP runs wp-login.php for /wp-login.php/x), doubled
# slashes, dot segments and %-escapes all count as the login
my $form_client = 60;
for my $path ('/login/wp-login.php/x', '/login/wp-login.php/', '//login/wp-login.php',
              '/login/./wp-login.php', '/login/%77p-login.php') {
    my $c = '198.51.100.' . $form_client++;
    my @fs = map { (http_request('POST', $path, xff => $c, vhost => 'sg_login',
                                 body => 'log=admin&pwd=wrong'))[0] } 1 .. 3;
    is(get_page($c, vhost => 'sg_login'), 403, "three failed POSTs to $path ban (answered @fs)");
}
my ($sxp) = http_request('POST', "$XMLRPC/x", xff => '198.51.100.70', vhost => 'sg_login',
                         body => multicall(('wp.getUsersBlogs') x 3), type => 'text/xml');
is(get_page('198.51.100.70', vhost => 'sg_login'), 403,
   "a multicall to $XMLRPC/x counts its three login calls (answered $sxp)");

# --- successes never ban; GETs do not count
my @good = map { [good_login('198.51.100.11', vhost => 'sg_login')] } 1 .. 6;
ok(!grep({ $_->[0] != 302 } @good), 'six good logins get 302') or diag(join ' ', map { $_->[0] } @good);
like($good[0][1], qr/^Set-Cookie: wordpress_logged_in=ok/mi, 'with the login cookie');
is((http_request('GET', $LOGIN, xff => '198.51.100.11', vhost => 'sg_login'))[0], 200, 'GET of the form');
is(get_page('198.51.100.11', vhost => 'sg_login'), 200, 'successes and GETs never ban');

# --- exempt ranges
@st = map { fail_login('192.0.2.50', vhost => 'sg_login') } 1 .. 5;
is("@st", '200 200 200 200 200', 'an exempt IPv4 client is never banned');
@st = map { fail_login('2001:db8:ee:1::5', vhost => 'sg_login') } 1 .. 5;
is("@st", '200 200 200 200 200', 'an exempt IPv6 client is never banned');

# --- IPv6 per /64 (default), IPv4-mapped IPv6 is the IPv4 client
fail_login("2001:db8:1:2::$_", vhost => 'sg_login') for 1 .. 3;
is(get_page('2001:db8:1:2::99', vhost => 'sg_login'), 403, 'three addresses of one /64 ban the /64');
is(get_page('2001:db8:1:3::1', vhost => 'sg_login'), 200, 'the next /64 is served');
fail_login('::ffff:198.51.100.20', vhost => 'sg_login') for 1 .. 2;
fail_login('198.51.100.20', vhost => 'sg_login');
is(get_page('198.51.100.20', vhost => 'sg_login'), 403, 'IPv4-mapped and plain IPv4 count as one client');

# --- 429 with Retry-After; IPv6 per /48
fail_login('198.51.100.30', vhost => 'sg_login429') for 1 .. 2;
my ($s429, $h429) = http_request('GET', '/index.php', xff => '198.51.100.30', vhost => 'sg_login429');
is($s429, 429, 'SpamGearBanStatus 429');
my ($retry) = $h429 =~ /^Retry-After: (\d+)/mi;
ok($retry && $retry >= 1 && $retry <= 60, 'with Retry-After') or diag($h429);
fail_login('2001:db8:5:1::1', vhost => 'sg_login429');
fail_login('2001:db8:5:2::1', vhost => 'sg_login429');
is(get_page('2001:db8:5:ffff::1', vhost => 'sg_login429'), 429, 'SpamGearBanIPv6Prefix 48 bans the /48');
is(get_page('2001:db8:6::1', vhost => 'sg_login429'), 200, 'the next /48 is served');

# --- xmlrpc.php: multicall counts per login call, the body passes unchanged
my $mc = multicall(('wp.getUsersBlogs') x 3, 'system.listMethods');
my ($sx, undef, $bx) = http_request('POST', $XMLRPC, xff => '198.51.100.40', vhost => 'sg_login',
                                    body => $mc, type => 'text/xml');
is($sx, 200, 'a multicall with three wp.getUsersBlogs is answered');
like($bx, qr/len=\Q${\ length $mc}\E md5=\Q${\ md5_hex($mc)}\E/, 'PHP got the body unchanged');
is(get_page('198.51.100.40', vhost => 'sg_login'), 403, 'and it banned at once (3 login calls)');
my $ping = '<?xml version="1.0"?><methodCall><methodName>pingback.ping</methodName></methodCall>';
@st = map { (http_request('POST', $XMLRPC, xff => '198.51.100.41', vhost => 'sg_login', body => $ping,
                          type => 'text/xml'))[0] } 1 .. 4;
is("@st", '200 200 200 200', 'pingbacks are no logins');
http_request('POST', $XMLRPC, xff => '198.51.100.42', vhost => 'sg_login429', body => $mc, type => 'text/xml')
    for 1 .. 2;
is(get_page('198.51.100.42', vhost => 'sg_login429'), 200, 'SpamGearLoginSuccess xmlrpc:200');

# --- scope: Server bans stay on their vhost, Global bans apply everywhere
is(get_page('198.51.100.10', vhost => 'sg_global_a'), 200, 'a Server-scope ban does not apply elsewhere');
fail_login('198.51.100.50', vhost => 'sg_global_a') for 1 .. 2;
fail_login('198.51.100.50', vhost => 'sg_global_b');
is(get_page('198.51.100.50', vhost => 'sg_global_a'), 403, 'Global: failures on two vhosts add up');
is(get_page('198.51.100.50', vhost => 'sg_global_b'), 403, 'Global: refused on the other Global vhost');
is(get_page('198.51.100.50', vhost => 'sg_login'), 403, 'Global: refused on a Server-scope vhost too');
is(get_page('198.51.100.50'), 200, 'a vhost with SpamGearLogin defaults but no ban for it serves it');

# --- status page: JSON, HTML and the unban form
my ($sj, $hj, $json) = http_request('GET', '/sg-status?json', vhost => 'sg_login');
ok($sj == 200 && $hj =~ m{^Content-Type: application/json}mi, 'status ?json');
like($json, qr/"client": "198\.51\.100\.40", "scope": "[^"]+", "count": 3, "ban": 1/, 'lists a ban with its count');
like($json, qr/"noexec_refused": \d+/, 'and the no-exec counter');
my ($sh, undef, $html) = http_request('GET', '/sg-status', vhost => 'sg_login');
my ($token) = $html =~ /name="token" value="([0-9a-f]+)"/;
my ($scope) = $html =~ /name="client" value="198\.51\.100\.40"><input type="hidden" name="scope" value="([^"]+)"/;
ok($sh == 200 && $token && $scope, 'the HTML page has an unban form per ban');
is((http_request('POST', '/sg-status', vhost => 'sg_login',
                 body => "token=0000&client=198.51.100.40&scope=$scope"))[0], 403, 'a wrong token is refused');
is((http_request('POST', '/sg-status', vhost => 'sg_login', headers => { Origin => 'http://evil.example' },
                 body => "token=$token&client=198.51.100.40&scope=$scope"))[0], 403, 'a cross-origin form is refused');
is((http_request('POST', '/sg-status', vhost => 'sg_login',
                 body => "token=$token&client=198.51.100.40&scope=$scope&action=unban"))[0], 303, 'unban');
is(get_page('198.51.100.40', vhost => 'sg_login'), 200, 'the client is served again');

# --- bans expire (3 s)
sleep 1 while time - $banned_at < 4;
is(get_page('198.51.100.10', vhost => 'sg_login'), 200, 'the ban expired');

# --- concurrency: 1000 failed logins at 50 connections, limit 1000
my $body = Apache::Test::vars('t_logs') . '/sg-login-body';
open my $fh, '>', $body or die "$body: $!";
print $fh 'log=admin&pwd=wrong';
close $fh;
my $url = 'http://' . hostport_of('sg_conc') . $LOGIN;
t_start_error_log_watch();
my $ab = `ab -q -n 1000 -c 50 -s 60 -p $body -T application/x-www-form-urlencoded -H 'X-Forwarded-For: 203.0.113.77' $url 2>&1`;
my ($complete) = $ab =~ /^Complete requests:\s+(\d+)/m;
my ($non2xx) = $ab =~ /^Non-2xx responses:\s+(\d+)/m;
ok(($complete // 0) == 1000 && !$non2xx, '1000 concurrent failed logins are all answered')
    or diag($ab);
is(fail_login('203.0.113.77', vhost => 'sg_conc'), 403, 'the 1001st is refused: banned at exactly 1000');
@lines = ban_lines('203.0.113.77', t_finish_error_log_watch());
ok(@lines == 1 && $lines[0] =~ /: 1000 failed logins within 600s/, 'one ban, after exactly 1000')
    or diag(@lines);

# --- concurrency at a small limit: 200 failed logins at 16 connections, limit
# 8; htdocs/login-conc/wp-login.php appends a line per run to sg-login-runs
my $runs = Apache::Test::vars('t_logs') . '/sg-login-runs';
open my $rf, '>', $runs or die "$runs: $!";
close $rf;
chmod 0666, $runs;
my $url8 = 'http://' . hostport_of('sg_conc8') . '/login-conc/wp-login.php';
t_start_error_log_watch();
$ab = `ab -q -n 200 -c 16 -s 60 -p $body -T application/x-www-form-urlencoded -H 'X-Forwarded-For: 203.0.113.88' $url8 2>&1`;
($complete) = $ab =~ /^Complete requests:\s+(\d+)/m;
($non2xx) = $ab =~ /^Non-2xx responses:\s+(\d+)/m;
open $rf, '<', $runs or die "$runs: $!";
my @ran = <$rf>;
close $rf;
is(scalar @ran, 8, 'limit 8, 200 failed logins at 16 connections: exactly 8 reached PHP')
    or diag($ab);
ok(($complete // 0) == 200 && ($non2xx // 0) == 192, 'the other 192 were refused (403)')
    or diag($ab);
@lines = ban_lines('203.0.113.88', t_finish_error_log_watch());
ok(@lines == 1 && $lines[0] =~ /: 8 failed logins within 600s/, 'one ban, after exactly 8')
    or diag(@lines);
