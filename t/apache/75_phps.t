# application/x-httpd-php-source (.phps) counts as a script handler.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

plan tests => 1, need_module 'spamgear';

refused('/uploads/shell.phps');
