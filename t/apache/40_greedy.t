# Greedy "AddHandler <php> .php": shell.php.jpg runs as PHP, but not in uploads.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

plan tests => 2, need_module 'spamgear', 'proxy_fcgi';

runs_php('/greedy/shell.php.jpg', php_sapi(), 'shell.php.jpg');
refused('/greedy/uploads/shell.php.jpg');
