# Each refusal logs one exact AH53010 line.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use Apache::TestRequest ();
use SGTest;

plan tests => 10, need need_module('spamgear', 'proxy_fcgi'),
    { 'mod_cgi or mod_cgid' => have_module('cgi') || have_module('cgid') };

my $docroot = Apache::Test::vars('documentroot');

sub hostport {
    local $Apache::TestRequest::Module = shift;
    return Apache::TestRequest::hostport(Apache::Test::config());
}

# check_line(PATH, VHOST, FILE, REASON, RULE): 3 tests (refused, one line, its text).
sub check_line {
    my ($path, $vhost, $file, $reason, $rule) = @_;
    t_start_error_log_watch();
    refused($path, $vhost ? (vhost => $vhost) : ());
    my @lines = grep { /AH53010/ } t_finish_error_log_watch();
    is(scalar @lines, 1, "one AH53010 line for $path") or diag(@lines);
    my $want = "AH53010: spamgear: no-exec: refused to run $file for $path on vhost "
        . hostport($vhost || 'default') . ": $reason (rule $rule)";
    like($lines[0] // '', qr/^\[[^\]]+\] \[spamgear:error\] \[pid \d+(?::tid \d+)?\] \[client 127\.0\.0\.1:\d+\] \Q$want\E$/,
         "the line for $path names client, file, URI, vhost, reason and rule");
}

check_line('/uploads/x.cgi', undef, "$docroot/uploads/x.cgi",
           'handler cgi-script runs scripts', '/uploads?/');
check_line('/fpp/uploads/shell.php', undef, "$docroot/fpp/uploads/shell.php",
           'proxied to a script backend', '/uploads?/');
check_line('/custom/shell.php', 'sg_match', "$docroot/custom/shell.php",
           'handler ' . (have_mod_php() ? 'application/x-httpd-php'
                                         : "proxy:unix:$ENV{SG_FPM_SOCK}|fcgi://localhost")
           . ' runs scripts', '^/custom/');

# The vhost in the line is the server's own port, never the Host header's:
# sg_login names no port, and the client says :9999.
t_start_error_log_watch();
my ($st_host) = http_request('GET', '/uploads/x.cgi', vhost => 'sg_login', host => 'localhost:9999');
my @host_lines = grep { /AH53010/ } t_finish_error_log_watch();
my ($real_port) = hostport('sg_login') =~ /:(\d+)$/;
if ($st_host == 403 && open my $ex, '>>', expected_refusals_file()) {
    print $ex join("\t", $real_port, '/uploads/x.cgi'), "\n";
    close $ex;
}
ok($st_host == 403 && @host_lines == 1 && $host_lines[0] =~ / on vhost localhost:\Q$real_port\E: /,
   "a Host header naming port 9999 does not change the vhost port in the line ($real_port)")
    or diag("status $st_host: @host_lines");
