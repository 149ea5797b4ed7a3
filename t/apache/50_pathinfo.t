# Path info: /dir/a.jpg/x.php where PHP would run a.jpg (which holds PHP code).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

plan tests => 6, need_module 'spamgear', 'proxy_fcgi';

my $sapi = php_sapi();
# <LocationMatch "^/pi/.+\.php$"> SetHandler <php>, AcceptPathInfo On.
runs_php('/pi/control/a.jpg/x.php', $sapi, 'a.jpg');
refused('/pi/uploads/a.jpg/x.php');
# No PHP handler at all: still refused (the path info names a script).
refused('/uploads/a.jpg/x.php');
# php-fpm via ProxyPassMatch, cgi.fix_pathinfo=1 splits off /x.php.
runs_php('/fpp/control/a.jpg/x.php', 'fpm-fcgi', 'a.jpg');
refused('/fpp/uploads/a.jpg/x.php');

# The image itself is served as it is, source and all, not run.
my $docroot = Apache::Test::vars('documentroot');
open my $fh, '<', "$docroot/uploads/a.jpg" or die "$docroot/uploads/a.jpg: $!";
my $src = do { local $/; <$fh> };
static_ok('/uploads/a.jpg', $src, 'image/jpeg');
