# Static files in no-exec paths are served unchanged.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

plan tests => 5, need_module 'spamgear';

static_ok('/uploads/a.txt', "static text in uploads\n", 'text/plain');
static_ok('/uploads/pic.jpg', "JPEG-BYTES not an image\n", 'image/jpeg');
static_ok('/wp-content/uploads/x.css', "body { color: red; }\n", 'text/css');
static_ok('/media-drop/a.txt', "static text in media-drop\n", 'text/plain');
static_ok('/fpm/../uploads/a.txt', "static text in uploads\n", 'text/plain');
