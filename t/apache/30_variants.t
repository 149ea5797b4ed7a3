# Case and extension variants: AddHandler (caseless) makes each of them run in
# /variants/ (the control), and each is refused in /variants/uploads/.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

my @ext = qw(PHP pHp phtml php5 phar pht);

plan tests => 2 * @ext, need_module 'spamgear', 'proxy_fcgi';

my $sapi = php_sapi();
for my $e (@ext) {
    runs_php("/variants/x.$e", $sapi, "x.$e");
    refused("/variants/uploads/x.$e");
}
