package SGMultipartFuzz;
# Multipart/form-data body generator and mutator for 98_diff_php.t.
#
# Every body starts as a valid multipart/form-data body whose "carrier" file
# part holds PAYLOAD (a backdoor the project signatures flag), then gets 1 to 4
# of the mutations that historically split multipart parsers (RFC 7578 readers
# against PHP's rfc1867.c): boundary quoting, case, whitespace and duplicates
# in the Content-Type, preamble and epilogue, LF-only and mixed line endings,
# header folding and case, Content-Disposition quoting, missing and extra
# CRLFs, boundary prefixes, truncated final boundaries, nested multipart,
# header lines around PHP's 5 KB line buffer, many parts, charset and
# Content-Transfer-Encoding headers, NUL bytes, raw byte edits.
#
# The PRNG is a 32-bit xorshift of our own, so a seed gives the same bodies on
# every Perl; body(SEED, I) depends on nothing but SEED and I, so one failing
# iteration reproduces alone.
use strict;
use warnings;

my $FILLUNIT = 5 * 1024;    # PHP's multipart line buffer (main/rfc1867.c)

# ---------------------------------------------------------------- the PRNG

sub _rng {
    my ($seed, $i) = @_;
    my $s = (($seed & 0xffffffff) ^ (($i * 0x9E3779B1) & 0xffffffff)) || 0x2545F491;
    my $r = bless \$s, 'SGMultipartFuzz::Rng';
    $r->u32 for 1 .. 8;    # mix neighbouring seeds apart
    return $r;
}

package SGMultipartFuzz::Rng;

sub u32 {
    my $r = shift;
    my $x = $$r;
    $x ^= ($x << 13) & 0xffffffff;
    $x ^= $x >> 17;
    $x ^= ($x << 5) & 0xffffffff;
    return $$r = $x;
}
sub below  { my ($r, $n) = @_; $n > 0 ? $r->u32 % $n : 0 }
sub pick   { my $r = shift; $_[$r->below(scalar @_)] }
sub chance { my ($r, $pct) = @_; $r->below(100) < $pct }

package SGMultipartFuzz;

# ---------------------------------------------------------------- the model
#
# $m = { ct => [type, [[key, value, quote, sep_before]...]], ct_prefix, ct_suffix => around it
#        ("\r\nContent-Type: " in them makes two request headers),
#        b => boundary the body uses, pre => preamble, parts => [...],
#        final => text after the last "--B", epi => epilogue,
#        raw => [byte edits applied after serialisation] }
# part = { bsuf => after "--B" before its EOL, beol => EOL after the boundary line,
#          hdrs => [header...], heol => EOL of header lines, blank => blank line,
#          data => bytes, tail => EOL before the next boundary }
# header = { n => name, sep => ": ", v => value } or { n, sep, cd => {lead, params} }
#          or { line => raw bytes }; cd params: [key, value, quote]

sub _cd {
    my ($name, $file) = @_;
    return { n => 'Content-Disposition', sep => ': ',
             cd => { lead => 'form-data',
                     params => [['name', $name, '"'], defined $file ? (['filename', $file, '"']) : ()] } };
}

sub _part {
    my ($name, $file, $data, $ctype) = @_;
    return { bsuf => '', beol => "\r\n", hdrs => [_cd($name, $file),
             $ctype ? ({ n => 'Content-Type', sep => ': ', v => $ctype }) : ()],
             heol => "\r\n", blank => "\r\n", data => $data, tail => "\r\n" };
}

sub _base {
    my ($r, $payload) = @_;
    my $b = $r->pick('sgDiffBoundary' . $r->below(1_000_000), '----WebKitFormBoundary7MA4YWxkTrZu0gW',
                     '---------------------------' . (100000 + $r->below(900000)), 'x', 'AaB03x');
    my $carrier = _part($r->pick('up', 'file', 'upload', 'f'),
                        $r->pick('s.txt', 'avatar.jpg', 'a.gif', 'x', 'doc.pdf'),
                        $r->pick('', "GIF89a\n", "hello\r\n") . $payload,
                        $r->pick(undef, 'text/plain', 'image/jpeg', 'application/octet-stream'));
    $carrier->{carrier} = 1;
    my @parts = ($carrier);
    unshift @parts, _part('title', undef, 'a note') if $r->chance(50);
    push @parts, _part('other', 'clean.txt', "nothing to see\n", 'text/plain') if $r->chance(30);
    push @parts, _part('submit', undef, 'Upload') if $r->chance(50);
    return { ct => ['multipart/form-data', [['boundary', $b, '', '; ']]], b => $b, pre => '',
             parts => \@parts, final => '--', epi => "\r\n", raw => [], payload => $payload };
}

sub _carrier { my $m = shift; (grep { $_->{carrier} } @{ $m->{parts} })[0] || $m->{parts}[0] }
sub _cdh { my $p = shift; (grep { $_->{cd} } @{ $p->{hdrs} })[0] }
sub _fparam { my ($cd, $k) = @_; $cd ? (grep { lc $_->[0] eq $k } @{ $cd->{cd}{params} })[0] : undef }

# ---------------------------------------------------------------- serialising

sub content_type {
    my $m = shift;
    my ($type, $params) = @{ $m->{ct} };
    return ($m->{ct_prefix} // '') . $type . join('', map { $_->[3] . "$_->[0]=$_->[2]$_->[1]$_->[2]" } @$params)
        . ($m->{ct_suffix} // '');
}

sub _header {
    my $h = shift;
    return $h->{line} if exists $h->{line};
    my $v = $h->{v};
    if ($h->{cd}) {
        $v = $h->{cd}{lead} . join '', map { ($_->[3] // '; ') . "$_->[0]=$_->[2]$_->[1]$_->[2]" }
            @{ $h->{cd}{params} };
    }
    return $h->{n} . $h->{sep} . $v;
}

sub _part_bytes {
    my ($m, $p) = @_;
    return $p->{whole} if exists $p->{whole};
    return "--$m->{b}$p->{bsuf}$p->{beol}" . join('', map { _header($_) . $p->{heol} } @{ $p->{hdrs} })
        . $p->{blank} . $p->{data} . $p->{tail};
}

sub body_of {
    my $m = shift;
    my $body = $m->{pre} . join('', map { _part_bytes($m, $_) } @{ $m->{parts} })
        . (defined $m->{final} ? "--$m->{b}$m->{final}" : '') . $m->{epi};
    for my $e (@{ $m->{raw} }) {
        my ($at, $del, $ins) = @$e;
        $at = length($body) if $at > length $body;
        substr($body, $at, $del, $ins);
    }
    return $body;
}

# ---------------------------------------------------------------- mutations

sub _eol_all { my ($m, $eol) = @_; for my $p (@{ $m->{parts} }) { $p->{$_} = $eol for qw(beol heol blank tail) } }

sub _name_case {
    my ($r, $n) = @_;
    return $r->pick(lc $n, uc $n, join('', map { $r->chance(50) ? uc : lc } split //, $n));
}

my @MUTATIONS = (
    # -- the request's Content-Type
    ct_quoted => sub { my ($r, $m) = @_; $m->{ct}[1][0][2] = '"'; 'ct_quoted' },
    ct_param_case => sub { my ($r, $m) = @_; $m->{ct}[1][0][0] = $r->pick('BOUNDARY', 'Boundary', 'bOundary'); 'ct_param_case' },
    ct_type_case => sub { my ($r, $m) = @_; $m->{ct}[0] = $r->pick('Multipart/Form-Data', 'MULTIPART/FORM-DATA', 'multipart/Form-data'); 'ct_type_case' },
    ct_ws => sub {
        my ($r, $m) = @_;
        my $prm = $m->{ct}[1][0];
        my $w = $r->below(5);
        if ($w == 0) { $prm->[3] = $r->pick(';', ' ;', ";\t", ' ; ', ';  ') }
        elsif ($w == 1) { $prm->[0] .= $r->pick(' ', "\t") }
        elsif ($w == 2) { $prm->[1] = $r->pick(' ', "\t") . $prm->[1] if !$prm->[2]; $prm->[2] = '' }
        elsif ($w == 3) { $m->{ct}[0] .= $r->pick(' ', "\t") }
        else { $m->{ct_suffix} = $r->pick(' ', "\t", ' ;', ';') }
        "ct_ws$w";
    },
    ct_params => sub {
        my ($r, $m) = @_;
        my $p = [$r->pick('charset', 'x', 'name'), $r->pick('utf-8', 'a', 'iso-8859-1'), $r->pick('', '"'), '; '];
        $r->chance(50) ? unshift(@{ $m->{ct}[1] }, $p) : push(@{ $m->{ct}[1] }, $p);
        'ct_params';
    },
    ct_dup_boundary => sub {
        my ($r, $m) = @_;
        my $other = [$r->pick('boundary', 'BOUNDARY', 'Boundary'), $r->pick('decoy', $m->{b}, $m->{b} . 'x', substr($m->{b}, 0, 1)),
                     $r->pick('', '"'), $r->pick('; ', ', ', ';', ' ')];
        $r->chance(50) ? unshift(@{ $m->{ct}[1] }, $other) : push(@{ $m->{ct}[1] }, $other);
        'ct_dup_boundary';
    },
    ct_comma => sub { my ($r, $m) = @_; $_->[3] = $r->pick(',', ', ', ' ,') for @{ $m->{ct}[1] }; 'ct_comma' },
    ct_decoy_in_value => sub {
        my ($r, $m) = @_;
        unshift @{ $m->{ct}[1] }, ['x', $r->pick('"boundary=decoy"', '"a;boundary=decoy"', 'boundary'), '', '; '];
        'ct_decoy_in_value';
    },
    ct_trailing => sub {
        my ($r, $m) = @_;
        $m->{ct_suffix} = $r->pick(';', ',', ' junk', ';x', ', text/plain', '"', ' ');
        'ct_trailing';
    },
    ct_space_sep => sub { my ($r, $m) = @_; $m->{ct}[1][0][3] = $r->pick(' ', "\t", ''); 'ct_space_sep' },
    ct_type_variant => sub {
        my ($r, $m) = @_;
        $m->{ct}[0] = $r->pick('multipart/form-data,', 'multipart/form-datax', 'multipart/mixed', 'multipart/form-data ,',
                               'multipart/form-data;', ' multipart/form-data', 'multipart/related');
        'ct_type_variant';
    },
    ct_second_header => sub {
        my ($r, $m) = @_;
        # A second Content-Type request header: httpd joins the two with ", ".
        my $other = $r->pick('text/plain', 'multipart/form-data; boundary=decoy', 'application/x-www-form-urlencoded');
        $m->{ct_suffix} = ($m->{ct_suffix} // '') . "\r\nContent-Type: $other";
        if ($r->chance(50)) { $m->{ct_prefix} = "$other\r\nContent-Type: " }
        'ct_second_header';
    },
    boundary_chars => sub {
        my ($r, $m) = @_;
        my $b = $r->pick("a'()+_,-./:=?b", 'a b', 'x' x 70, 'y' x 71, 'a"b', 'a;b', 'a\\b', "-", '--', 'b=c');
        $m->{b} = $m->{ct}[1][0][1] = $b;
        $m->{ct}[1][0][2] = '"' if $b =~ /[ ;,"\\]/ && $r->chance(70);
        'boundary_chars';
    },
    ct_body_mismatch => sub {
        my ($r, $m) = @_;
        # The body uses a boundary that is a prefix or extension of the declared one.
        $m->{b} = $r->pick(substr($m->{b}, 0, length($m->{b}) - 1) || 'q', $m->{b} . 'X', lc $m->{b}, uc $m->{b});
        'ct_body_mismatch';
    },

    # -- around the parts
    preamble => sub { my ($r, $m) = @_; $m->{pre} = $r->pick("junk\r\n", "\r\n", "\n", "--$m->{b}-not\r\n", "--$m->{b} \r\n", "x"); 'preamble' },
    epilogue => sub {
        my ($r, $m) = @_;
        my $w = $r->below(5);
        if ($w == 4) {
            # A whole part after the final boundary: PHP keeps looking for "--B" lines.
            my $c = _carrier($m);
            my $after = _part('late', 'late.txt', $m->{payload});
            $m->{epi} = "\r\n" . _part_bytes($m, $after) . "--$m->{b}--\r\n";
            $c->{data} = 'clean';
            $c->{carrier} = 0;
        }
        else { $m->{epi} = $r->pick('', "\r\n\r\n", 'junk', "\n") }
        "epilogue$w";
    },
    lf_only => sub { my ($r, $m) = @_; _eol_all($m, "\n"); 'lf_only' },
    mixed_eol => sub {
        my ($r, $m) = @_;
        for my $p (@{ $m->{parts} }) {
            for (qw(beol heol blank tail)) { $p->{$_} = $r->pick("\n", "\r", "\r\r\n", "\n\r") if $r->chance(30) }
        }
        'mixed_eol';
    },
    fold => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'fold-';
        $_->[3] = $r->pick(";\r\n ", ";\r\n\t", "\r\n ;", ";\n ") for grep { $r->chance(60) } @{ $h->{cd}{params} };
        'fold';
    },
    hdr_name_case => sub { my ($r, $m) = @_; $_->{n} = _name_case($r, $_->{n}) for grep { $_->{n} } @{ _carrier($m)->{hdrs} }; 'hdr_name_case' },
    hdr_sep => sub { my ($r, $m) = @_; $_->{sep} = $r->pick(':', ' : ', ":\t", ':   ', ' :', ":\x0b") for grep { $_->{n} } @{ _carrier($m)->{hdrs} }; 'hdr_sep' },

    # -- Content-Disposition of the carrier
    cd_quote => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'cd_quote-';
        $_->[2] = $r->pick("'", '', '"') for @{ $h->{cd}{params} };
        'cd_quote';
    },
    cd_backslash => sub {
        my ($r, $m) = @_;
        my $f = _fparam(_cdh(_carrier($m)), 'filename') or return 'cd_backslash-';
        $f->[1] = $r->pick('a\\"b.txt', 'a\\\\', 'x\\', 'C:\\dir\\s.txt', 'a\\"; filename="b.txt', '..\\..\\s.txt');
        'cd_backslash';
    },
    cd_semicolon => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'cd_semicolon-';
        my $p = $r->pick(@{ $h->{cd}{params} }) or return 'cd_semicolon-';
        $p->[1] = $r->pick('a;filename=x.txt', 'a; name=b', 's;.txt', 'a";b');
        'cd_semicolon';
    },
    cd_filename_star => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'cd_filename_star-';
        my $star = ['filename*', "UTF-8''s.txt", ''];
        if ($r->chance(50)) { @{ $h->{cd}{params} } = grep { lc $_->[0] ne 'filename' } @{ $h->{cd}{params} } }
        push @{ $h->{cd}{params} }, $star;
        'cd_filename_star';
    },
    cd_dup_filename => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'cd_dup_filename-';
        my $dup = ['filename', $r->pick('', 'a.txt', 'b.php'), '"'];
        $r->chance(50) ? push(@{ $h->{cd}{params} }, $dup) : splice(@{ $h->{cd}{params} }, 1, 0, $dup);
        'cd_dup_filename';
    },
    cd_empty_filename => sub {
        my ($r, $m) = @_;
        my $f = _fparam(_cdh(_carrier($m)), 'filename') or return 'cd_empty_filename-';
        $f->[1] = $r->pick('', ' ', '/', 'dir/', '\\');
        'cd_empty_filename';
    },
    cd_order => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'cd_order-';
        my $w = $r->below(3);
        if ($w == 0) { @{ $h->{cd}{params} } = reverse @{ $h->{cd}{params} } }
        elsif ($w == 1) { @{ $h->{cd}{params} } = grep { lc $_->[0] ne 'name' } @{ $h->{cd}{params} } }
        else { push @{ $h->{cd}{params} }, [$r->pick('size', 'creation-date', 'x'), '1', '"'] }
        "cd_order$w";
    },
    cd_lead => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'cd_lead-';
        $h->{cd}{lead} = $r->pick('attachment', 'file', 'FORM-DATA', '', 'form-data ', ' form-data', 'inline', 'form-data;');
        'cd_lead';
    },
    cd_param_ws => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'cd_param_ws-';
        for my $p (@{ $h->{cd}{params} }) {
            next unless $r->chance(60);
            my $w = $r->below(4);
            if ($w == 0) { $p->[0] .= ' ' }
            elsif ($w == 1) { $p->[3] = $r->pick(';;', ';', ' ; ', ";\t", ' ') }
            elsif ($w == 2) { $p->[0] = _name_case($r, $p->[0]) }
            else { $p->[1] = ' ' . $p->[1] if !$p->[2]; $p->[2] ||= '' }
        }
        'cd_param_ws';
    },
    dup_cd => sub {
        my ($r, $m) = @_;
        my $c = _carrier($m);
        my $other = _cd($r->pick('decoy', 'up'), $r->chance(50) ? undef : 'decoy.txt');
        $r->chance(50) ? unshift(@{ $c->{hdrs} }, $other) : push(@{ $c->{hdrs} }, $other);
        'dup_cd';
    },
    hide_file => sub {
        my ($r, $m) = @_;
        # The carrier's filename only in a second CD, or only in a header
        # PHP might read as a Content-Disposition.
        my $c = _carrier($m);
        my $h = _cdh($c) or return 'hide_file-';
        my $name = $r->pick('s.txt', 'shell.jpg');
        my $w = $r->below(3);
        @{ $h->{cd}{params} } = grep { lc $_->[0] ne 'filename' } @{ $h->{cd}{params} };
        if ($w == 0) { push @{ $c->{hdrs} }, { line => "Content-Disposition: form-data; name=\"up\"; filename=\"$name\"" } }
        elsif ($w == 1) { push @{ $c->{hdrs} }, { line => "X-Note: a\r\nContent-Disposition: form-data; name=\"up\"; filename=\"$name\"" } }
        else { push @{ $c->{hdrs} }, { line => "Content-Disposition\x00: form-data; name=\"up\"; filename=\"$name\"" } }
        "hide_file$w";
    },
    no_colon_line => sub {
        my ($r, $m) = @_;
        my $c = _carrier($m);
        splice @{ $c->{hdrs} }, $r->below(@{ $c->{hdrs} } + 1), 0, { line => $r->pick('; filename="s.txt"', 'garbage', ' filename="s.txt"', '') };
        'no_colon_line';
    },
    hdr_leading_ws => sub { my ($r, $m) = @_; unshift @{ _carrier($m)->{hdrs} }, { line => $r->pick(' X: y', "\tContent-Type: text/plain") }; 'hdr_leading_ws' },
    cr_in_header => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'cr_in_header-';
        $h->{cd}{lead} .= $r->pick("\r", "\n", "\r ", "\x0c");
        'cr_in_header';
    },

    # -- CRLFs and boundaries
    no_tail => sub { my ($r, $m) = @_; $r->pick(@{ $m->{parts} })->{tail} = $r->pick('', "\r", "\n"); 'no_tail' },
    extra_crlf => sub {
        my ($r, $m) = @_;
        my $p = $r->pick(@{ $m->{parts} });
        my $w = $r->below(3);
        if ($w == 0) { $p->{beol} .= "\r\n" } elsif ($w == 1) { $p->{tail} .= "\r\n" } else { $p->{blank} .= "\r\n" }
        "extra_crlf$w";
    },
    no_blank => sub { my ($r, $m) = @_; _carrier($m)->{blank} = ''; 'no_blank' },
    boundary_suffix => sub { my ($r, $m) = @_; $r->pick(@{ $m->{parts} })->{bsuf} = $r->pick('X', ' ', "\t", '--', '-', "\x00", '=', ';'); 'boundary_suffix' },
    data_boundary_like => sub {
        my ($r, $m) = @_;
        my $c = _carrier($m);
        my $fake = $r->pick("\r\n--$m->{b}X\r\n", "\n--$m->{b}\r\n", "\r\n--$m->{b} \r\n", "--$m->{b}\r\n",
                            "\r\n--$m->{b}--\r\n", "\r\n--" . substr($m->{b}, 0, 3) . "\r\n", "\r--$m->{b}\r\n");
        my $hdr = "Content-Disposition: form-data; name=\"x\"\r\n\r\n";
        $c->{data} = $r->pick('', 'clean') . $fake . $r->pick('', $hdr) . $c->{data};
        'data_boundary_like';
    },
    truncate => sub {
        my ($r, $m) = @_;
        my $w = $r->below(5);
        if ($w == 0) { $m->{final} = $r->pick('-', '', '---', '-- ') }
        elsif ($w == 1) { $m->{final} = undef; $m->{epi} = '' }
        elsif ($w == 2) { $m->{epi} = '' }
        elsif ($w == 3) { $m->{final} = undef; $m->{epi} = ''; $m->{parts}[-1]{tail} = '' }
        else { $m->{final} = undef; $m->{epi} = "--$m->{b}" }
        "truncate$w";
    },

    # -- structure
    nested => sub {
        my ($r, $m) = @_;
        my $c = _carrier($m);
        my $h = _cdh($c) or return 'nested-';
        my ($f) = _fparam($h, 'filename');
        my $ib = 'inner' . $r->below(1000);
        my $inner = "--$ib\r\nContent-Disposition: " . $r->pick('file', 'attachment', 'form-data; name="in"')
            . "; filename=\"" . ($f ? $f->[1] : 's.txt') . "\"\r\nContent-Type: text/plain\r\n\r\n$c->{data}\r\n--$ib--";
        @{ $h->{cd}{params} } = grep { lc $_->[0] ne 'filename' } @{ $h->{cd}{params} } if $r->chance(70);
        @{ $c->{hdrs} } = grep { !$_->{n} || lc $_->{n} ne 'content-type' } @{ $c->{hdrs} };
        push @{ $c->{hdrs} }, { n => 'Content-Type', sep => ': ', v => $r->pick('multipart/mixed', 'Multipart/Mixed', 'multipart/form-data') . "; boundary=$ib" };
        $c->{data} = $inner;
        'nested';
    },
    long_header => sub {
        my ($r, $m) = @_;
        my $c = _carrier($m);
        my $w = $r->below(4);
        my $lead = 'X-Pad: ';
        my $hidden = 'Content-Disposition: form-data; name="up"; filename="s.txt"';
        if ($w == 0) {
            # A header line PHP's 5 KB line buffer cuts where a second
            # Content-Disposition starts; the parser sees one long X-Pad.
            my $h = _cdh($c) or return 'long_header-';
            @{ $h->{cd}{params} } = grep { lc $_->[0] ne 'filename' } @{ $h->{cd}{params} };
            my $pad = $FILLUNIT - length($lead) + $r->pick(0, 0, -1, 1, -2);
            unshift @{ $c->{hdrs} }, { line => $lead . ('a' x $pad) . $hidden };
        }
        elsif ($w == 1) {
            # The CRLF of a header line falls across the 5 KB edge.
            my $pad = $FILLUNIT - length($lead) + $r->pick(-3, -2, -1, 0, 1);
            splice @{ $c->{hdrs} }, $r->below(@{ $c->{hdrs} } + 1), 0, { line => $lead . ('b' x $pad) };
        }
        elsif ($w == 2) {
            my $pad = $r->pick(8192, 8180, 8200, 16384, 4096, 100_000);
            push @{ $c->{hdrs} }, { line => $lead . ('c' x $pad) };
        }
        else {
            # A long file name in the Content-Disposition itself.
            my $f = _fparam(_cdh($c), 'filename') or return 'long_header-';
            $f->[1] = ('d' x ($FILLUNIT - 60 + $r->below(80))) . '.txt';
        }
        "long_header$w";
    },
    many_parts => sub {
        my ($r, $m) = @_;
        my $n = $r->pick(19, 20, 21, 50, 254, 255, 256, 300);
        my $file = $r->chance(50);
        unshift @{ $m->{parts} }, map { _part("f$_", $file ? "f$_.txt" : undef, 'x') } 1 .. $n;
        "many_parts$n" . ($file ? 'f' : '');
    },
    cte_charset => sub {
        my ($r, $m) = @_;
        my $c = _carrier($m);
        my $w = $r->below(3);
        if ($w == 0) { push @{ $c->{hdrs} }, { n => 'Content-Transfer-Encoding', sep => ': ', v => $r->pick('base64', 'quoted-printable', 'binary', '8bit', '7bit', 'BINARY', 'x-uuencode') } }
        elsif ($w == 1) { push @{ $c->{hdrs} }, { n => 'Content-Type', sep => ': ', v => $r->pick('text/plain; charset=utf-16', 'text/plain; charset=utf-8', 'text/plain;charset="iso-2022-jp"') } }
        else { unshift @{ $m->{parts} }, _part('_charset_', undef, $r->pick('UTF-16', 'utf-8', 'ISO-2022-JP')) }
        "cte_charset$w";
    },
    nul_bytes => sub {
        my ($r, $m) = @_;
        my $c = _carrier($m);
        my $w = $r->below(4);
        if ($w == 0) { my $f = _fparam(_cdh($c), 'filename') or return 'nul-'; $f->[1] = "a.txt\x00.jpg" }
        elsif ($w == 1) { $c->{data} = "\x00" x (1 + $r->below(3)) . $c->{data} }
        elsif ($w == 2) { $c->{bsuf} = "\x00" }
        else { push @{ $c->{hdrs} }, { line => "X-Nul: a\x00b" } }
        "nul_bytes$w";
    },
    array_names => sub {
        my ($r, $m) = @_;
        my $h = _cdh(_carrier($m)) or return 'array_names-';
        my ($n) = _fparam($h, 'name') or return 'array_names-';
        $n->[1] = $r->pick('up[]', 'a[b][c]', 'a[', 'a]b', 'a[b]c', 'a b', 'a.b', '[x]', 'up[0]', '');
        'array_names';
    },
    data_pad => sub {
        my ($r, $m) = @_;
        my $c = _carrier($m);
        my $edge = $r->pick($FILLUNIT, 2 * $FILLUNIT, 8192, 65536);
        $c->{data} = ('p' x ($edge - $r->below(8))) . $r->pick("\r", "\n", "\r\n", '', "\r\n-") . $c->{data};
        'data_pad';
    },
    part_ctype => sub {
        my ($r, $m) = @_;
        my $c = _carrier($m);
        @{ $c->{hdrs} } = grep { !$_->{n} || lc $_->{n} ne 'content-type' } @{ $c->{hdrs} };
        push @{ $c->{hdrs} }, { n => 'Content-Type', sep => ': ', v => $r->pick('image/jpeg', 'multipart/mixed', 'message/rfc822', '', 'application/x-httpd-php') };
        'part_ctype';
    },
    raw_edit => sub {
        my ($r, $m) = @_;
        # One byte edit near a boundary line of the serialised body.
        my $body = body_of($m);
        my @at;
        push @at, pos($body) - length("--$m->{b}") while $body =~ /\Q--$m->{b}\E/g;
        my $at = (@at ? $r->pick(@at) : 0) + $r->below(length($m->{b}) + 8) - 3;
        $at = 0 if $at < 0;
        my $w = $r->below(3);
        push @{ $m->{raw} }, [$at, $w == 1 ? 0 : 1, $w == 0 ? '' : $r->pick("\r", "\n", ' ', '-', "\x00", 'x', "\t")];
        "raw_edit$w";
    },
);

my @NAMES = @MUTATIONS[grep { !($_ % 2) } 0 .. $#MUTATIONS];
my %MUT = @MUTATIONS;

sub mutation_names { @NAMES }

# body(SEED, I, PAYLOAD [, ONLY]): (content type, body bytes, mutation tags) of
# iteration I.  ONLY, a mutation name, forces that mutation (tests of the
# generator itself).
sub body {
    my ($seed, $i, $payload, $only) = @_;
    my $r = _rng($seed, $i);
    my $m = _base($r, $payload);
    my @tags;
    # Iteration 0 of every seed is the unmutated body: the baseline must pass.
    my $n = $only ? 1 : $i == 0 ? 0 : 1 + $r->below(4);
    for (1 .. $n) {
        my $name = $only // $r->pick(@NAMES);
        # raw_edit works on the final bytes: keep it last.
        if ($name eq 'raw_edit' && $_ < $n) { $name = $r->pick(@NAMES) }
        push @tags, $MUT{$name}->($r, $m);
    }
    return (content_type($m), body_of($m), join(',', @tags) || 'none');
}

1;
