#!/bin/bash
# t/dnsbl/run.sh: `spamgear dnsbl` against a real DNS server on loopback.
#
# Starts its own dnsmasq on 127.0.0.1 (and ::1 when the host has it) on a free
# port, serving test zones under .test, plus a UDP socket that never answers
# (the upstream of slow.test).  Each case asserts the exact status line (the
# first line of stdout) and the exit code.  Nothing leaves the machine: no real
# DNSBL is ever asked.  Temp files live under one mktemp -d, removed on exit.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
spamgear=$top_builddir/spamgear
dnsmasq=${DNSMASQ:-$(command -v dnsmasq || echo /usr/sbin/dnsmasq)}

if [ ! -x "$dnsmasq" ]; then
    echo "t/dnsbl: dnsmasq not found: install the Debian package dnsmasq-base"
    exit 99   # automake: hard error, not a skip
fi
if [ ! -x "$spamgear" ]; then
    echo "t/dnsbl: $spamgear not built"
    exit 99
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# A UDP socket on 127.0.0.1 that reads queries and never answers.
perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "udp")
        or die "blackhole: $!\n";
    open(my $f, ">", $ARGV[0]) or die; print $f $s->sockport, "\n"; close $f;
    my $buf; 1 while defined $s->recv($buf, 4096);' "$tmp/blackhole.port" &
pids+=($!)

# A port free for both UDP and TCP on 127.0.0.1 (dnsmasq takes both).
free_port() {
    perl -MIO::Socket::INET -e '
        for (1 .. 50) {
            my $t = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                          Proto => "tcp", Listen => 1) or next;
            my $p = $t->sockport;
            IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p, Proto => "udp")
                or next;
            print "$p\n"; exit 0;
        }
        exit 1;'
}

# A UDP socket on 127.0.0.1 that answers every query with SERVFAIL.
perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "udp")
        or die "servfail: $!\n";
    open(my $f, ">", $ARGV[0]) or die; print $f $s->sockport, "\n"; close $f;
    my $q;
    while (defined $s->recv($q, 4096)) {
        next if length($q) < 12;
        my ($id, $flags) = unpack("nn", $q);
        # QR, the query opcode and RD kept, RA set, RCODE 2 (SERVFAIL); the question echoed.
        my $r = pack("nnnnnn", $id, 0x8000 | ($flags & 0x7900) | 0x0080 | 2, 1, 0, 0, 0)
              . substr($q, 12);
        $s->send($r);
    }' "$tmp/servfail.port" &
pids+=($!)

for _ in $(seq 1 50); do [ -s "$tmp/blackhole.port" ] && [ -s "$tmp/servfail.port" ] && break; sleep 0.1; done
sf=$(cat "$tmp/servfail.port" 2>/dev/null) || { echo "t/dnsbl: servfail socket did not start"; exit 99; }
bh=$(cat "$tmp/blackhole.port" 2>/dev/null) || { echo "t/dnsbl: blackhole socket did not start"; exit 99; }

# ::1 only when the loopback has it (containers without IPv6 do not).
listen=127.0.0.1
grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && listen=127.0.0.1,::1

# Test data.  PTR-style names of the test addresses under the test zones:
#   192.0.2.1       clean everywhere          192.0.2.2  a.test 127.0.0.2 + TXT
#   192.0.2.3       a.test and b.test         192.0.2.4  a.test 127.255.255.254
#   192.0.2.5       a.test 127.255.255.252    192.0.2.6  a.test 127.255.255.255
#   192.0.2.7       a.test answers 10.0.0.1   192.0.2.8  b.test 127.0.0.99
#   192.0.2.9       b.test listed, a.test refuses (.254)
#   2001:db8::2     a.test 127.0.0.3 (nibbles)
#   mail.test       192.0.2.1 and 2001:db8::2
n6=2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2
start_dnsmasq() {
    "$dnsmasq" --keep-in-foreground --conf-file=/dev/null --port="$1" \
        --listen-address="$listen" --bind-interfaces --no-resolv --no-hosts \
        --pid-file="$tmp/dnsmasq.pid" --log-facility="$tmp/dnsmasq.log" --log-queries \
        --local=/test/ --local=/org/ --local=/net/ --local=/com/ --server="/slow.test/127.0.0.1#$bh" \
        --server="/fail.test/127.0.0.1#$sf" \
        --host-record=2.2.0.192.a.test,127.0.0.2 \
        --txt-record=2.2.0.192.a.test,"Listed: see http://a.test/?192.0.2.2" \
        --host-record=3.2.0.192.a.test,127.0.0.4 --host-record=3.2.0.192.b.test,127.0.0.2 \
        --host-record=4.2.0.192.a.test,127.255.255.254 \
        --host-record=5.2.0.192.a.test,127.255.255.252 \
        --host-record=6.2.0.192.a.test,127.255.255.255 \
        --host-record=7.2.0.192.a.test,10.0.0.1 \
        --host-record=8.2.0.192.b.test,127.0.0.99 \
        --host-record=9.2.0.192.a.test,127.255.255.254 --host-record=9.2.0.192.b.test,127.0.0.2 \
        --host-record="$n6.a.test,127.0.0.3" \
        --host-record=mail.test,192.0.2.1,2001:db8::2 &
    dnsmasq_pid=$!
    for _ in $(seq 1 50); do
        grep -q 'started, version' "$tmp/dnsmasq.log" 2>/dev/null && return 0
        kill -0 "$dnsmasq_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
port=
for _ in 1 2 3 4 5; do
    try=$(free_port) || break
    if start_dnsmasq "$try"; then port=$try; pids+=("$dnsmasq_pid"); break; fi
    kill "$dnsmasq_pid" 2>/dev/null
    rm -f "$tmp/dnsmasq.log"
done
if [ -z "$port" ]; then
    echo "t/dnsbl: dnsmasq did not start:"; cat "$tmp/dnsmasq.log" 2>/dev/null
    exit 99
fi

printf '%s\n' '# test lists' 'a.test 127.0.0.2-127.0.0.11 any Test A' 'b.test 127.0.0.2 ipv4' \
    > "$tmp/lists"
printf '%s\n' 'a.test 127.0.0.2-127.0.0.11' 'slow.test 127.0.0.2' > "$tmp/slow.lists"
printf '%s\n' 'a.test 127.0.0.2-127.0.0.11' 'fail.test 127.0.0.2' > "$tmp/fail.lists"
printf '%s\n' 'a.test 127.0.0.2' '' 'b.test 127.0.0.2,10.0.0.2' > "$tmp/bad.lists"
ln -s "$spamgear" "$tmp/check_dnsbl"

# ------------------------------------------------------------ harness
n=0
failed=0
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# check NAME WANT_RC WANT_STDOUT_FIRST_LINE COMMAND...
check() {
    local name=$1 want_rc=$2 want=$3 out rc first start
    shift 3
    n=$((n + 1))
    start=$(ms)
    out=$("$@" 2>"$tmp/stderr")
    rc=$?
    elapsed=$(( $(ms) - start ))
    first=${out%%$'\n'*}
    stdout=$out
    if [ "$rc" = "$want_rc" ] && [ "$first" = "$want" ]; then
        echo "ok $n - $name"
        return 0
    fi
    failed=$((failed + 1))
    echo "not ok $n - $name"
    echo "#   want (exit $want_rc): $want"
    echo "#   got  (exit $rc): $first"
    sed 's/^/#   stderr: /' "$tmp/stderr"
    return 1
}

# expect NAME CONDITION-TEXT TEST...: an extra assertion on the last check.
expect() {
    local name=$1
    shift
    n=$((n + 1))
    if "$@"; then echo "ok $n - $name"; else failed=$((failed + 1)); echo "not ok $n - $name"; fi
}

dnsbl() { "$spamgear" dnsbl -l "$tmp/lists" --server "127.0.0.1:$port" "$@"; }
perf() { echo "| listed=$1;${W:-1};${C:-2};0;$2"; }

# ------------------------------------------------------------ cases
check "not listed (NXDOMAIN) is OK" 0 \
    "DNSBL OK - 192.0.2.1: listed 0/2 $(perf 0 2)" dnsbl 192.0.2.1
check "one listing is WARNING" 1 \
    "DNSBL WARNING - 192.0.2.2: listed 1/2 (a.test) $(perf 1 2)" dnsbl 192.0.2.2
check "-v adds one line per check, with the TXT reason" 1 \
    "DNSBL WARNING - 192.0.2.2: listed 1/2 (a.test) $(perf 1 2)" dnsbl -v 192.0.2.2
expect "-v lines" [ "$stdout" = "DNSBL WARNING - 192.0.2.2: listed 1/2 (a.test) $(perf 1 2)
listed 192.0.2.2 on a.test (Test A): 127.0.0.2 \"Listed: see http://a.test/?192.0.2.2\"
clean 192.0.2.2 on b.test" ]
check "two listings are CRITICAL" 2 \
    "DNSBL CRITICAL - 192.0.2.3: listed 2/2 (a.test, b.test) $(perf 2 2)" dnsbl 192.0.2.3
check "-w 2 -c 3: one listing is OK" 0 \
    "DNSBL OK - 192.0.2.2: listed 1/2 (a.test) $(W=2 C=3 perf 1 2)" dnsbl -w 2 -c 3 192.0.2.2
check "-w 2 -c 3: two listings are WARNING" 1 \
    "DNSBL WARNING - 192.0.2.3: listed 2/2 (a.test, b.test) $(W=2 C=3 perf 2 2)" \
    dnsbl -w 2 -c 3 192.0.2.3
check "-w 1 -c 1: one listing is CRITICAL" 2 \
    "DNSBL CRITICAL - 192.0.2.2: listed 1/2 (a.test) $(W=1 C=1 perf 1 2)" \
    dnsbl --warning=1 --critical=1 192.0.2.2
check "127.255.255.254 (public resolver) is UNKNOWN, not a listing" 3 \
    "DNSBL UNKNOWN - 192.0.2.4: listed 0/2, 1 failed (a.test: query refused: queried through a public or open resolver (127.255.255.254)) $(perf 0 2)" \
    dnsbl 192.0.2.4
check "127.255.255.252 (typing error) is UNKNOWN" 3 \
    "DNSBL UNKNOWN - 192.0.2.5: listed 0/2, 1 failed (a.test: query refused: typing error in the list's zone (127.255.255.252)) $(perf 0 2)" \
    dnsbl 192.0.2.5
check "127.255.255.255 (too many queries) is UNKNOWN" 3 \
    "DNSBL UNKNOWN - 192.0.2.6: listed 0/2, 1 failed (a.test: query refused: too many queries from this resolver (127.255.255.255)) $(perf 0 2)" \
    dnsbl 192.0.2.6
check "an answer outside 127.0.0.0/8 is UNKNOWN" 3 \
    "DNSBL UNKNOWN - 192.0.2.7: listed 0/2, 1 failed (a.test: answer 10.0.0.1 is outside 127.0.0.0/8 (a resolver that rewrites NXDOMAIN?)) $(perf 0 2)" \
    dnsbl 192.0.2.7
check "a code the list does not accept is UNKNOWN" 3 \
    "DNSBL UNKNOWN - 192.0.2.8: listed 0/2, 1 failed (b.test: unexpected return code 127.0.0.99 (accepted: 127.0.0.2)) $(perf 0 2)" \
    dnsbl 192.0.2.8
check "a listing beside a refusing list is still WARNING" 1 \
    "DNSBL WARNING - 192.0.2.9: listed 1/2 (b.test), 1 failed (a.test: query refused: queried through a public or open resolver (127.255.255.254)) $(perf 1 2)" \
    dnsbl 192.0.2.9
check "IPv6, nibble query, listed (b.test is ipv4 only)" 1 \
    "DNSBL WARNING - 2001:DB8:0::2: listed 1/1 (a.test) $(perf 1 1)" dnsbl 2001:DB8:0::2
check "IPv6 not listed" 0 "DNSBL OK - 2001:db8::1: listed 0/1 $(perf 0 1)" dnsbl 2001:db8::1
check "HOST: its A and AAAA addresses are checked" 1 \
    "DNSBL WARNING - mail.test: listed 1/3 (2001:db8::2 on a.test) $(perf 1 3)" dnsbl mail.test
check "HOST that does not resolve is UNKNOWN" 3 \
    "DNSBL UNKNOWN - nx.test: listed 0/0, 1 failed (nx.test: cannot resolve: Domain name not found) $(perf 0 0)" \
    dnsbl nx.test
check "several arguments, one address asked once" 2 \
    "DNSBL CRITICAL - 192.0.2.3 mail.test 192.0.2.1: listed 3/5 (192.0.2.3 on a.test, 192.0.2.3 on b.test, 2001:db8::2 on a.test) $(perf 3 5)" \
    dnsbl 192.0.2.3 mail.test 192.0.2.1
check "a list that never answers: UNKNOWN within -t 2" 3 \
    "DNSBL UNKNOWN - 192.0.2.1: listed 0/2, 1 failed (slow.test: no answer within 2 s) $(perf 0 2)" \
    "$spamgear" dnsbl -t 2 -l "$tmp/slow.lists" --server "127.0.0.1:$port" 192.0.2.1
echo "# never-answering list, -t 2: ${elapsed} ms"
expect "... and the whole check took less than 2.5 s" [ "$elapsed" -lt 2500 ]
check "a listing is found while another list never answers" 1 \
    "DNSBL WARNING - 192.0.2.2: listed 1/2 (a.test), 1 failed (slow.test: no answer within 2 s) $(perf 1 2)" \
    "$spamgear" dnsbl -t 2 -l "$tmp/slow.lists" --server "127.0.0.1:$port" 192.0.2.2
# c-ares gives up on a server that answers SERVFAIL (and tries the next) and
# reports ARES_ECONNREFUSED once none is left, hence the wording.
check "a list whose server fails (SERVFAIL) is UNKNOWN for that list, not clean" 3 \
    "DNSBL UNKNOWN - 192.0.2.1: listed 0/2, 1 failed (fail.test: the DNS server refused the query or cannot be reached) $(perf 0 2)" \
    "$spamgear" dnsbl -t 5 -l "$tmp/fail.lists" --server "127.0.0.1:$port" 192.0.2.1
expect "... answered at once, not at the deadline" [ "$elapsed" -lt 2500 ]
check "no server answers: the -t deadline cancels everything" 3 \
    "DNSBL UNKNOWN - 192.0.2.1 192.0.2.2: listed 0/4, 4 failed (192.0.2.1 on a.test: no answer within 1 s; 192.0.2.1 on b.test: no answer within 1 s; 192.0.2.2 on a.test: no answer within 1 s; 192.0.2.2 on b.test: no answer within 1 s) $(perf 0 4)" \
    "$spamgear" dnsbl -t 1 -l "$tmp/lists" --server "127.0.0.1:$bh,127.0.0.1:$bh,127.0.0.1:$bh" \
    192.0.2.1 192.0.2.2
echo "# three silent servers, -t 1: ${elapsed} ms"
expect "... in less than 1.5 s" [ "$elapsed" -lt 1500 ]
check "classic name: check_dnsbl -w 1 -c 2 IP" 2 \
    "DNSBL CRITICAL - 192.0.2.3: listed 2/2 (a.test, b.test) $(perf 2 2)" \
    "$tmp/check_dnsbl" -w 1 -c 2 -l "$tmp/lists" --server "127.0.0.1:$port" 192.0.2.3
check "--json" 1 "{" dnsbl --json 192.0.2.2
expect "--json status and TXT" grep -q '"txt": "Listed: see http://a.test/?192.0.2.2"' \
    <<<"$stdout"
expect "--json says WARNING" grep -q '"status": "WARNING"' <<<"$stdout"
check "the shipped conf/dnsbl.lists loads (its zones answered locally)" 0 \
    "DNSBL OK - 192.0.2.1: listed 0/6 $(perf 0 6)" \
    "$spamgear" dnsbl -l "$top_srcdir/conf/dnsbl.lists" --server "127.0.0.1:$port" 192.0.2.1
if [ "$listen" != 127.0.0.1 ]; then
    check "--server [::1]:PORT" 1 "DNSBL WARNING - 192.0.2.2: listed 1/2 (a.test) $(perf 1 2)" \
        "$spamgear" dnsbl -l "$tmp/lists" --server "[::1]:$port" 192.0.2.2
else
    echo "# no ::1 on this host: --server [::1]:PORT not tested"
fi

# Usage and config errors: Nagios UNKNOWN (3), a status line and one stderr line.
check "bad lists file names FILE:LINE" 3 \
    "DNSBL UNKNOWN - $tmp/bad.lists:3: return code 10.0.0.2 is outside 127.0.0.0/8" \
    "$spamgear" dnsbl -l "$tmp/bad.lists" 192.0.2.1
expect "... on stderr too" [ "$(cat "$tmp/stderr")" = \
    "spamgear: $tmp/bad.lists:3: return code 10.0.0.2 is outside 127.0.0.0/8" ]
check "missing lists file" 3 \
    "DNSBL UNKNOWN - $tmp/none.lists: cannot open lists file: No such file or directory" \
    "$spamgear" dnsbl -l "$tmp/none.lists" 192.0.2.1
check "-w above -c" 3 \
    "DNSBL UNKNOWN - dnsbl: -w 3 is above -c 2; try 'spamgear dnsbl --help'" dnsbl -w 3 192.0.2.1
check "bad -t" 3 \
    "DNSBL UNKNOWN - dnsbl: --timeout needs a whole number from 1 to 300, not '0'; try 'spamgear dnsbl --help'" \
    dnsbl -t 0 192.0.2.1
check "no argument" 3 \
    "DNSBL UNKNOWN - dnsbl: needs 1 to 32 IP|HOST arguments; try 'spamgear dnsbl --help'" dnsbl
check "not an address or host name" 3 \
    "DNSBL UNKNOWN - dnsbl: 'a;b' is neither an IP address nor a host name; try 'spamgear dnsbl --help'" \
    dnsbl 'a;b'
check "unknown option" 3 "DNSBL UNKNOWN - unknown option '-x'" dnsbl -x 1.2.3.4
check "--help" 0 "usage: spamgear dnsbl [options] IP|HOST..." "$spamgear" dnsbl --help

echo "1..$n"
if [ "$failed" -ne 0 ]; then
    echo "t/dnsbl: $failed of $n failed (dnsmasq log: kept below)"
    tail -n 40 "$tmp/dnsmasq.log"
    exit 1
fi
echo "t/dnsbl: all $n passed"
exit 0
