# Encodings, dot segments, duplicate slashes and case: httpd maps them all to
# the same file, and the module judges the file.  Sent raw (no client rewriting).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

my @cases = (
    # request                         r->uri the module logs
    ['/uploads/shell%2ephp',          '/uploads/shell.php'],
    ['/uploads/shell.ph%70',          '/uploads/shell.php'],
    ['/%75ploads/shell.php',          '/uploads/shell.php'],
    ['//uploads//shell.php',          '/uploads/shell.php'],
    ['/x/../uploads/shell.php',       '/uploads/shell.php'],
    ['/uploads/./shell.php',          '/uploads/shell.php'],
    ['/uploads/shell.php?a=b',        '/uploads/shell.php'],
    ['/UPLOADS/shell.php',            '/UPLOADS/shell.php'],
    ['/fpm/uploads/shell%2ephp',      '/fpm/uploads/shell.php'],
    ['/fpp/uploads/shell%2ephp',      '/fpp/uploads/shell.php'],
    ['/fpp/x/../uploads/shell.php',   '/fpp/uploads/shell.php'],
    ['/fpp//uploads/shell.php',       '/fpp/uploads/shell.php'],
);

plan tests => scalar @cases, need_module 'spamgear', 'proxy_fcgi';

refused($_->[0], logged => $_->[1]) for @cases;
