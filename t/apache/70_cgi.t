# CGI (mod_cgi under prefork, mod_cgid under event) and mod_actions.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

plan tests => 6, need need_module('spamgear', 'actions'),
    { 'mod_cgi or mod_cgid' => have_module('cgi') || have_module('cgid') };

my $docroot = Apache::Test::vars('documentroot');
runs_cgi('/control/x.cgi', qr/^RAN-CGI script=x\.cgi$/m);
refused('/uploads/x.cgi');
# Action my-php-handler /cgi-bin/php-wrapper.cgi + AddHandler my-php-handler .phx
runs_cgi('/control/x.phx', qr/^RAN-ACTION PATH_TRANSLATED=\Q$docroot\E\/control\/x\.phx$/m);
refused('/uploads/x.phx');
# The wrapper called directly with the uploaded file as path info: it would
# run PATH_TRANSLATED, so the module looks that up and refuses.
refused('/cgi-bin/php-wrapper.cgi/uploads/x.phx');
# Path info that names no script in a no-exec path is nobody's business.
runs_cgi('/cgi-bin/php-wrapper.cgi/control/x.phx',
         qr/^RAN-ACTION PATH_TRANSLATED=\Q$docroot\E\/control\/x\.phx$/m);
