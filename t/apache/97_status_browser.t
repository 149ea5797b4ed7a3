# The status page in a real browser: headless Chromium (driven over
# --remote-debugging-pipe by cdp.py) loads it, a screenshot is saved in
# t/logs/sg-status.png, and a click on one client's "unban" lifts that ban
# and no other.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP ();
use Apache::Test qw(-withtestmore);
use SGTest;

my $chromium = $ENV{CHROMIUM} || (grep { -x } '/usr/bin/chromium', '/usr/bin/chromium-browser')[0];
my ($python) = grep { -x "$_/python3" } split /:/, $ENV{PATH};
plan tests => 9, need need_module('spamgear', 'remoteip'),
    { 'chromium (Debian package chromium)' => !!$chromium, python3 => !!$python };

for my $client ('198.51.100.80', '198.51.100.81') {
    http_request('POST', '/login/wp-login.php', vhost => 'sg_browser', xff => $client,
                 body => 'log=admin&pwd=wrong') for 1 .. 2;
}
is((http_request('GET', '/index.php', vhost => 'sg_browser', xff => '198.51.100.80'))[0], 403,
   'two clients are banned');

my $shot = Apache::Test::vars('t_logs') . '/sg-status.png';
my $url = 'http://' . hostport_of('sg_browser') . '/sg-status';
my $out = `"$python/python3" "$FindBin::Bin/cdp.py" "$chromium" "$url" 198.51.100.80 "$shot" 2>&1`;
my $res = eval { JSON::PP::decode_json((split /\n/, $out)[-1] // '') };
ok($res, 'Chromium loaded the page') or diag($out);
$res ||= {};
like($res->{before} // '', qr/spamgear status.*Bans.*198\.51\.100\.80.*198\.51\.100\.81/s,
     'it shows both bans');
like($res->{before} // '', qr/ClamAV\s+off.*Signatures\s+\d+ from \S+.*No-exec refusals\s+\d+.*Upload scans \/ blocks\s+\d+ \/ \d+/s,
     'and ClamAV mode, signatures and the no-exec counter');
open my $fh, '<:raw', $shot;
my $magic = '';
read($fh, $magic, 8) if $fh;
ok($magic eq "\x89PNG\r\n\x1a\n" && -s $shot > 5000, "a screenshot was saved ($shot)");
ok($res->{clicked}, 'the unban button of 198.51.100.80 was clicked');
ok(($res->{after} // '') !~ /198\.51\.100\.80/ && ($res->{after} // '') =~ /198\.51\.100\.81/,
   'after the click the page lists only the other ban') or diag($res->{after});
is((http_request('GET', '/index.php', vhost => 'sg_browser', xff => '198.51.100.80'))[0], 200,
   'the unbanned client is served');
is((http_request('GET', '/index.php', vhost => 'sg_browser', xff => '198.51.100.81'))[0], 403,
   'the other is still refused');
