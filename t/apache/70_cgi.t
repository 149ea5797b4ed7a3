# CGI (mod_cgi under prefork, mod_cgid under event) and mod_actions.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

plan tests => 4, need need_module('spamgear', 'actions'),
    { 'mod_cgi or mod_cgid' => have_module('cgi') || have_module('cgid') };

my $docroot = Apache::Test::vars('documentroot');
runs_cgi('/control/x.cgi', qr/^RAN-CGI script=x\.cgi$/m);
refused('/uploads/x.cgi');
# Action my-php-handler /cgi-bin/php-wrapper.cgi + AddHandler my-php-handler .phx
runs_cgi('/control/x.phx', qr/^RAN-ACTION PATH_TRANSLATED=\Q$docroot\E\/control\/x\.phx$/m);
refused('/uploads/x.phx');
