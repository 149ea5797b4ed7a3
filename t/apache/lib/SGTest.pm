package SGTest;
# Helpers for the mod_spamgear Apache::Test files: raw requests and one-test
# assertions on status + body, and the list of refusals zz_error_log.t expects.
use strict;
use warnings;

use Exporter 'import';
use IO::Socket::INET ();
use Test::Builder ();
use Apache::Test ();
use Apache::TestRequest ();

our @EXPORT = qw(have_mod_php php_sapi fetch runs_php runs_cgi refused static_ok
                 expected_refusals_file no_mod_php_reason http_request
                 hostport_of);

my $TB = Test::Builder->new;

# mod_php is loaded (prefork run); the generic locations then use it.
sub have_mod_php {
    my $mods = Apache::Test::config()->{modules} || {};
    return scalar grep { /^mod_php/ } keys %$mods;
}

sub no_mod_php_reason {
    my $mpm = Apache::Test::config()->{mpm} || 'this';
    return "mod_php is not loaded: it cannot run under the threaded $mpm MPM";
}

# The PHP_SAPI the generic locations run under.
sub php_sapi { have_mod_php() ? 'apache2handler' : 'fpm-fcgi' }

# fetch(PATH [, vhost => NAME]): sends PATH byte for byte (no client-side
# normalisation of dots, slashes or escapes); returns (status, content type, body).
sub fetch {
    my ($path, %o) = @_;
    local $Apache::TestRequest::Module = $o{vhost} if $o{vhost};
    my $hostport = Apache::TestRequest::hostport(Apache::Test::config());
    my ($host, $port) = split /:/, $hostport;
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 20)
        or return (0, '', "connect $hostport: $!");
    print $sock "GET $path HTTP/1.0\r\nHost: $hostport\r\nConnection: close\r\n\r\n";
    local $/;
    my $res = <$sock> // '';
    close $sock;
    my ($head, $body) = split /\r\n\r\n/, $res, 2;
    $body //= '';
    my ($status) = ($head // '') =~ m{^HTTP/\d\.\d (\d{3})};
    my ($ctype) = ($head // '') =~ m{^Content-Type:\s*([^\r\n]*)}mi;
    return ($status || 0, $ctype // '', $body);
}

sub hostport_of {
    my ($vhost) = @_;
    local $Apache::TestRequest::Module = $vhost if $vhost;
    return Apache::TestRequest::hostport(Apache::Test::config());
}

# http_request(METHOD, PATH, vhost => NAME, xff => ADDR, body => TEXT, headers => {..},
#              host => HOST:PORT to send instead of the vhost's own):
# one raw HTTP/1.0 request; returns (status, head, body).
sub http_request {
    my ($method, $path, %o) = @_;
    my $hostport = hostport_of($o{vhost});
    my ($host, $port) = split /:/, $hostport;
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 20)
        or return (0, '', "connect $hostport: $!");
    my $req = "$method $path HTTP/1.0\r\nHost: " . ($o{host} // $hostport) . "\r\nConnection: close\r\n";
    $req .= "X-Forwarded-For: $o{xff}\r\n" if $o{xff};
    for my $h (sort keys %{ $o{headers} || {} }) {
        $req .= "$h: $o{headers}{$h}\r\n";
    }
    if (defined $o{body}) {
        $req .= "Content-Type: " . ($o{type} // 'application/x-www-form-urlencoded') . "\r\n";
        $req .= "Content-Length: " . length($o{body}) . "\r\n";
    }
    print $sock $req, "\r\n", $o{body} // '';
    local $/;
    my $res = <$sock> // '';
    close $sock;
    my ($head, $body) = split /\r\n\r\n/, $res, 2;
    my ($status) = ($head // '') =~ m{^HTTP/\d\.\d (\d{3})};
    return ($status || 0, $head // '', $body // '');
}

sub _where { my %o = @_; $o{vhost} ? " (vhost $o{vhost})" : '' }

# One test: 200 and the PHP marker, run by SAPI from a file named FILE.
sub runs_php {
    my ($path, $sapi, $file, %o) = @_;
    my ($st, undef, $body) = fetch($path, %o);
    my $want = "RAN-PHP sapi=$sapi file=$file";
    my $ok = $st == 200 && $body =~ /(?:^|>)\Q$want\E(?:$|<)/m;
    $TB->ok($ok, "$path runs ($want)" . _where(%o))
        or $TB->diag("status $st, body: " . substr($body, 0, 300));
    return $ok;
}

# One test: 200 and the CGI marker MARKER (a regex).
sub runs_cgi {
    my ($path, $marker, %o) = @_;
    my ($st, undef, $body) = fetch($path, %o);
    my $ok = $st == 200 && $body =~ $marker;
    $TB->ok($ok, "$path runs the CGI ($marker)" . _where(%o))
        or $TB->diag("status $st, body: " . substr($body, 0, 300));
    return $ok;
}

sub expected_refusals_file {
    return Apache::Test::vars('t_logs') . '/sg-expected-refusals';
}

# One test: 403, nothing ran, no source shown.  The module must log one
# AH53010 line for it, with r->uri LOGGED (default PATH) on vhost port PORT.
sub refused {
    my ($path, %o) = @_;
    my ($st, undef, $body) = fetch($path, %o);
    my $ok = $st == 403 && $body !~ /RAN-|<\?php/;
    $TB->ok($ok, "$path is refused with 403" . _where(%o))
        or $TB->diag("status $st, body: " . substr($body, 0, 300));
    my $hostport = do {
        local $Apache::TestRequest::Module = $o{vhost} if $o{vhost};
        Apache::TestRequest::hostport(Apache::Test::config());
    };
    my ($port) = $hostport =~ /:(\d+)$/;
    if ($st == 403 && open my $fh, '>>', expected_refusals_file()) {
        print $fh join("\t", $port, $o{logged} // $path), "\n";
        close $fh;
    }
    return $ok;
}

# One test: 200 with exactly CONTENT (and content type TYPE when given).
sub static_ok {
    my ($path, $content, $type, %o) = @_;
    my ($st, $ct, $body) = fetch($path, %o);
    my $ok = $st == 200 && $body eq $content && (!$type || $ct =~ m{^\Q$type\E\b});
    $TB->ok($ok, "$path is served as it is" . ($type ? " ($type)" : '') . _where(%o))
        or $TB->diag("status $st, type $ct, body: " . substr($body, 0, 300));
    return $ok;
}

1;
