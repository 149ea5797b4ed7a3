# Runs last: the whole error_log holds no error-level line (error, crit, alert,
# emerg) and no [spamgear...] line other than the expected ones: one AH53010
# refusal per request the other tests expected to be refused, and AH53003
# "loaded".
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use SGTest;

plan tests => 3, need_module 'spamgear';

my $log = Apache::Test::vars('t_logs') . '/error_log';
open my $fh, '<', $log or die "$log: $!";

my (@unexpected, @refusals);
while (my $line = <$fh>) {
    chomp $line;
    my ($module, $level) = $line =~ /^\[[^\]]+\] \[(?:([\w.-]+):)?(\w+)\]/;
    next unless defined $level;
    my $spamgear = defined $module && $module eq 'spamgear';
    next unless $spamgear || $level =~ /^(?:error|crit|alert|emerg)$/;
    if ($spamgear && $level eq 'error'
        && $line =~ /\[client [^\]]+\] AH53010: spamgear: no-exec: refused to run \/\S+ for (\S+) on vhost [^:\s]+:(\d+): .+ \(rule .+\)$/) {
        push @refusals, "$2\t$1";
    }
    elsif ($spamgear && $level eq 'info' && $line =~ /AH53003: spamgear \S+ .*loaded$/) {
        # the version line at startup
    }
    elsif ($spamgear && $line =~ /AH5302[0-5]: spamgear: (?:ban|status page): /) {
        # 95_login.t: bans, unbans, refused unban forms, attempts over the limit
    }
    elsif ($spamgear && $level eq 'info' && $line =~ /AH53001: spamgear: engine: \d+ project signatures from /) {
        # the scan engine loaded at startup
    }
    elsif ($spamgear && $line =~ /AH5304[2-5]: spamgear: upload: /) {
        # 96_upload.t, 98_diff_php.t: refused uploads (infected, names, limits, strict parser)
    }
    elsif ($spamgear && $level eq 'error'
           && $line =~ /AH53048: spamgear: upload: refused, but not kept in the quarantine /) {
        # 96_upload.t: SpamGearUploadKeep with a quarantine the children cannot write
    }
    elsif ($level eq 'alert'
           && $line =~ m{/htdocs/(?:htaccess|cust|listed)/[\w/-]*\.htaccess: SpamGear\w+(?: \S+)? \(line \d+\) refused: }) {
        # 85_directives.t, 99_htaccess.t: loosening .htaccess lines (httpd's
        # core alert, or the module's AH53070 for a limit judged at merge)
    }
    elsif ($level eq 'alert' && $line =~ m{/htdocs/nogrant/\.htaccess: SpamGearNoExec not allowed here$}) {
        # 99_htaccess.t: no override granted
    }
    else {
        push @unexpected, $line;
    }
}
close $fh;

ok(!@unexpected, "no unexpected error-level or spamgear lines in $log")
    or diag(join "\n", 'unexpected:', @unexpected[0 .. ($#unexpected < 29 ? $#unexpected : 29)]);

my @expected;
if (open my $ex, '<', expected_refusals_file()) {
    chomp(@expected = <$ex>);
}
ok(@expected > 20, 'the other tests expected refusals (' . scalar(@expected) . ')');
my @got = sort @refusals;
@expected = sort @expected;
is_deeply(\@got, \@expected, 'exactly one AH53010 line per refused request')
    or diag("logged:\n  " . join("\n  ", @got) . "\nexpected:\n  " . join("\n  ", @expected));
