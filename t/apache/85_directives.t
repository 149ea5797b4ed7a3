# SpamGearNoExec On|Off (<Directory> and .htaccess), SpamGearNoExecMatch in a
# vhost, SpamGearNoExecHandler.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use SGTest;

plan tests => 12, need_module 'spamgear', 'proxy_fcgi';

my $sapi = php_sapi();
runs_php('/exempt/uploads/shell.php', $sapi, 'shell.php');    # SpamGearNoExec Off
refused('/media-drop/shell.php');                             # SpamGearNoExec On
# SpamGearNoExecMatch "^/custom/" in <VirtualHost sg_match> replaces the defaults.
runs_php('/custom/shell.php', $sapi, 'shell.php');
refused('/custom/shell.php', vhost => 'sg_match');
runs_php('/uploads/shell.php', $sapi, 'shell.php', vhost => 'sg_match');
# <VirtualHost sg_handler>: SpamGearNoExecHandler text/x-sg-run, AddType text/x-sg-run .sgr.
refused('/uploads/a.sgr', vhost => 'sg_handler');
my ($st0, $ct0, $b0) = fetch('/uploads/a.sgr');
ok($st0 == 200 && $b0 eq "static but typed as a script\n",
   '/uploads/a.sgr is static without SpamGearNoExecHandler')
    or diag("status $st0, type $ct0");
# Content type only (AddType application/x-httpd-php .html, no handler): mod_php runs it.
SKIP: {
    skip no_mod_php_reason(), 4 unless have_mod_php();
    runs_php('/typed/page.html', 'apache2handler', 'page.html');
    refused('/typed/uploads/page.html');
    runs_php('/typed/page.html', 'apache2handler', 'page.html', vhost => 'sg_handler');
    # Known module bug: the first SpamGearNoExecHandler replaces the built-in
    # globs (sg_noexec_rules_add_defaults only fills an empty list), so
    # application/x-httpd-php is no longer known as a type that runs code.
    # SpamGearNoExecHandler adds to the built-in globs, never replaces them.
    refused('/typed/uploads/page.html', vhost => 'sg_handler');
}

# An uploaded .htaccess cannot switch no-exec off (AllowOverride All): the
# module refuses the line, so httpd refuses the whole directory (500, core
# alert); 99_htaccess.t has the rest of the .htaccess rules.
t_start_error_log_watch();
my ($st, undef, $body) = fetch('/htaccess/uploads/shell.php');
my @alerts = grep { /\[core:alert\].*htaccess\/uploads\/\.htaccess: SpamGearNoExec Off \(line 2\) refused: / }
    t_finish_error_log_watch();
ok($st == 500 && $body !~ /RAN-|<\?php/ && @alerts == 1,
   '/htaccess/uploads/shell.php: "SpamGearNoExec Off" in .htaccess gives 500 and one alert')
    or diag("status $st, alerts: @alerts, body: " . substr($body, 0, 300));
