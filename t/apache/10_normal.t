# Scripts outside upload paths still run: mod_php (prefork) or php-fpm, and php-fpm
# through SetHandler proxy:unix (/fpm/) and ProxyPassMatch (/fpp/) in every run.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

plan tests => 5, need_module 'spamgear', 'proxy_fcgi';

my $sapi = php_sapi();
runs_php('/index.php', $sapi, 'index.php');
runs_php('/', $sapi, 'index.php');
runs_php('/control/shell.php', $sapi, 'shell.php');
runs_php('/fpm/index.php', 'fpm-fcgi', 'index.php');
runs_php('/fpp/index.php', 'fpm-fcgi', 'index.php');
