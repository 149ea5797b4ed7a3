# mod_php itself (prefork run only).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

plan tests => 3, need need_module('spamgear'), { no_mod_php_reason() => have_mod_php() };

runs_php('/index.php', 'apache2handler', 'index.php');
refused('/uploads/shell.php');

# application/x-httpd-php-source outside upload paths shows highlighted source.
my ($st, undef, $body) = fetch('/control/x.phps');
ok($st == 200 && $body =~ /<code>/ && $body !~ /RAN-PHP/,
   '/control/x.phps shows highlighted source (control for the .phps refusal)')
    or diag("status $st, body: " . substr($body, 0, 300));
