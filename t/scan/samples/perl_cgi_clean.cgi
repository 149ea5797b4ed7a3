#!/usr/bin/perl
# spamgear test sample (clean): a CGI that shows the server's uptime and
# echoes its query string, escaped
print "Content-type: text/html\n\n";
my $q = $ENV{'QUERY_STRING'} || '';
$q =~ s/[<>&"]/./g;
my $up = `uptime`;
print "<p>$up</p><p>query: $q</p>\n";
