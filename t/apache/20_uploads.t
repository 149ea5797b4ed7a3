# Scripts in the built-in no-exec paths are refused, whichever PHP runs them.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

my @defaults = qw(/wp-content/uploads/2024/01/x.php /upload/x.php /sites/default/files/x.php
                  /images/x.php /tmp/x.php /cache/x.php);

plan tests => 5 + @defaults, need_module 'spamgear', 'proxy_fcgi';

# The generic handler: mod_php's SetHandler application/x-httpd-php in a
# <FilesMatch> under prefork, php-fpm's SetHandler proxy:unix under event.
refused('/uploads/shell.php');
refused($_) for @defaults;
# php-fpm through SetHandler "proxy:unix:...|fcgi://localhost".
refused('/fpm/uploads/shell.php');
refused('/fpm/cache/x.php');
# php-fpm through ProxyPassMatch ... fcgi://127.0.0.1:PORT/...
refused('/fpp/uploads/shell.php');
refused('/fpp/sites/default/files/x.php');
