#!/bin/sh
# t/apache/run.sh: the Apache::Test layer, run by make check.
#
# Runs the suite in t/apache twice against a real httpd with the built module:
#   prefork: mod_php + a private php-fpm (mod_cgi)
#   event:   the private php-fpm only (mod_cgid; mod_php cannot load there)
# Each run works in a fresh copy, $top_builddir/t/apache-run/<mpm>/t, so the
# source tree may be read-only (make distcheck).  The modules httpd loads are
# exactly the ones listed in the generated httpd-base.conf (inherited by
# Apache::Test via -httpd_conf); /etc/apache2 is never read.
#
# Environment (exported by make check): top_srcdir top_builddir APXS PHP_FPM PERL.
# SG_ASAN_RUNTIME (set by make check under configure --enable-sanitizers): the
# shared ASan runtime httpd preloads (t/san-env.sh); any sanitizer report in the
# error log then fails the run.
# SG_APACHE_MPMS (default "prefork event") picks the runs; SG_APACHE_TEST_ARGS adds
# Apache::Test arguments, e.g. "-verbose t/85_directives.t".
set -u

: "${top_srcdir:=.}" "${top_builddir:=.}" "${APXS:=apxs}" "${PERL:=perl}" "${PHP_FPM:=}"
top_srcdir=$(cd "$top_srcdir" && pwd) || exit 99
top_builddir=$(cd "$top_builddir" && pwd) || exit 99

fail() { echo "t/apache/run.sh: $*" >&2; exit 99; }   # 99: hard error for automake

# ------------------------------------------------------------- prerequisites
module="$top_builddir/.libs/mod_spamgear.so"
[ -f "$module" ] || fail "$module not built (run make first)"
[ -n "$PHP_FPM" ] && [ -x "$PHP_FPM" ] ||
	fail "php-fpm not found (PHP_FPM='$PHP_FPM'): install the Debian package php-fpm (php8.2-fpm) and re-run configure"
libexecdir=$("$APXS" -q LIBEXECDIR) || fail "$APXS -q LIBEXECDIR failed"
sbindir=$("$APXS" -q SBINDIR) || fail "$APXS -q SBINDIR failed"
target=$("$APXS" -q TARGET) || fail "$APXS -q TARGET failed"
httpd="$sbindir/$target"
[ -x "$httpd" ] || fail "httpd binary $httpd not found (Debian package apache2)"
modphp=
for f in "$libexecdir"/libphp*.so /usr/lib/apache2/modules/libphp*.so; do
	[ -f "$f" ] && { modphp=$f; break; }
done
[ -n "$modphp" ] || fail "mod_php not found in $libexecdir: install the Debian package libapache2-mod-php"
command -v ab >/dev/null 2>&1 ||
	fail "ab not found: install the Debian package apache2-utils"
"$PERL" -MApache::TestRun -e 1 2>/dev/null ||
	fail "Apache::Test not found: install the Debian package libapache2-mod-perl2"
for m in mpm_prefork mpm_event http2 authz_core mime dir alias actions cgi cgid proxy proxy_fcgi \
	socache_shmcb remoteip; do
	[ -f "$libexecdir/mod_$m.so" ] || fail "$libexecdir/mod_$m.so missing"
done

runroot="$top_builddir/t/apache-run"

# Sanitizer builds: san_env and san_reports (see there).
. "$top_srcdir/t/san-env.sh"
user=nobody
group=$(id -gn "$user" 2>/dev/null) || fail "no user $user to run httpd and php-fpm children as"

free_port() {
	"$PERL" -MIO::Socket::INET -e \
		'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, ReuseAddr => 1)->sockport'
}

fpm_pid=
cleanup() {
	if [ -n "$fpm_pid" ]; then
		kill "$fpm_pid" 2>/dev/null
		i=0
		while kill -0 "$fpm_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$fpm_pid" 2>/dev/null
		wait "$fpm_pid" 2>/dev/null
		fpm_pid=
	fi
	# The upload-engine httpd of an aborted check_upload_engine.
	if [ -f "$runroot/upload-engine/httpd.pid" ]; then
		kill "$(cat "$runroot/upload-engine/httpd.pid")" 2>/dev/null
		rm -f "$runroot/upload-engine/httpd.pid"
	fi
	for f in "$runroot"/upload-budget-*/httpd.pid; do
		[ -f "$f" ] && { kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; }
	done
	if [ -f "$runroot/replay-getline/httpd.pid" ]; then
		kill "$(cat "$runroot/replay-getline/httpd.pid")" 2>/dev/null
		rm -f "$runroot/replay-getline/httpd.pid"
	fi
	if [ -f "$runroot/upload-clamd/httpd.pid" ]; then
		kill "$(cat "$runroot/upload-clamd/httpd.pid")" 2>/dev/null
		rm -f "$runroot/upload-clamd/httpd.pid"
	fi
	if [ -f "$runroot/upload-clamd/clamd.pid" ]; then
		kill "$(cat "$runroot/upload-clamd/clamd.pid")" 2>/dev/null
		rm -f "$runroot/upload-clamd/clamd.pid"
	fi
	# An httpd left behind by an aborted Apache::Test run.
	if [ -n "${run:-}" ] && [ -f "$run/t/logs/httpd.pid" ]; then
		p=$(cat "$run/t/logs/httpd.pid" 2>/dev/null)
		[ -n "$p" ] && kill "$p" 2>/dev/null
		rm -f "$run/t/logs/httpd.pid"
	fi
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT TERM HUP

show_logs() {
	echo "---- tail of $run/t/logs/error_log"
	tail -n 60 "$run/t/logs/error_log" 2>/dev/null
	echo "---- tail of $run/php-fpm.log"
	tail -n 30 "$run/php-fpm.log" 2>/dev/null
	echo "----"
}

# ------------------------------------------------------------- one run
# run_suite MPM: prints the Apache::Test summary, returns non-zero on failure.
run_suite() {
	mpm=$1
	run="$runroot/$mpm"
	rm -rf "$run"
	mkdir -p "$run" || fail "cannot create $run"
	cp -R "$top_srcdir/t/apache" "$run/t" || fail "cannot copy $top_srcdir/t/apache"
	rm -f "$run/t/run.sh"
	# Children (nobody) read the htdocs and run the CGIs; the source may be read-only.
	chmod -R u+w,go+rX "$run" && find "$run/t/htdocs" -name '*.cgi' -exec chmod 755 {} + ||
		fail "cannot set permissions in $run"
	d=$run
	while [ "$d" != / ]; do
		# Every parent must be searchable by the children.
		[ "$(stat -c %A "$d" | cut -c10)" = x ] || [ "$(stat -c %A "$d" | cut -c10)" = t ] ||
			fail "$d is not searchable by others: $user cannot reach $run"
		d=$(dirname "$d")
	done

	# --- private php-fpm: one pool on a unix socket, one on 127.0.0.1:PORT
	sock="$run/fpm.sock"
	[ ${#sock} -lt 100 ] || { sock=$(mktemp -u /tmp/sg-fpm.XXXXXX) && sock="$sock.sock"; }
	fpm_port=$(free_port) || fail "cannot find a free port"
	sed -e "s|@RUN@|$run|g" -e "s|@SOCK@|$sock|g" -e "s|@PORT@|$fpm_port|g" \
		-e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
		"$top_srcdir/t/apache/php-fpm.conf.tmpl" >"$run/php-fpm.conf" || fail "cannot write php-fpm.conf"
	"$PHP_FPM" -n -y "$run/php-fpm.conf" -F >>"$run/php-fpm.log" 2>&1 &
	fpm_pid=$!
	i=0
	until [ -S "$sock" ] && "$PERL" -MIO::Socket::INET -e \
		"exit !IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $fpm_port)"; do
		if ! kill -0 "$fpm_pid" 2>/dev/null || [ $i -ge 100 ]; then
			echo "php-fpm did not start"; show_logs; cleanup; return 1
		fi
		sleep 0.1; i=$((i + 1))
	done
	export SG_FPM_SOCK="$sock" SG_FPM_PORT="$fpm_port"
	# Upload scanning: the project signatures, and a spool dir the children
	# (nobody) write to and 96_upload.t checks is left empty.
	mkdir -p "$run/spool" && chmod 1777 "$run/spool" || fail "cannot create $run/spool"
	# SpamGearUploadKeep's quarantine, set up as the README says: the
	# children's group may add entries, the sticky bit keeps others' safe.
	rm -rf "$run/quarantine"
	mkdir -p "$run/quarantine" && { chgrp "$group" "$run/quarantine" 2>/dev/null || true; } &&
		chmod 1770 "$run/quarantine" || fail "cannot create $run/quarantine"
	export SG_SIGNATURES="$top_srcdir/conf/signatures" SG_SPOOL="$run/spool" \
		SG_QUARANTINE="$run/quarantine" SG_CLI="$top_builddir/spamgear"

	# --- the modules httpd loads, and nothing else
	cgi=cgi; [ "$mpm" = prefork ] || cgi=cgid
	{
		echo "# Generated by t/apache/run.sh for the $mpm run; inherited by Apache::Test."
		for m in "mpm_$mpm" authz_core mime dir alias actions "$cgi" proxy proxy_fcgi \
			socache_shmcb remoteip; do
			echo "LoadModule ${m}_module \"$libexecdir/mod_$m.so\""
		done
		[ "$mpm" = prefork ] && echo "LoadModule php_module \"$modphp\""
		echo "LoadModule spamgear_module \"$module\""
		echo "TypesConfig /etc/mime.types"
	} >"$run/httpd-base.conf"

	echo "== Apache::Test: MPM $mpm, $( [ "$mpm" = prefork ] && echo "mod_php + ")php-fpm ($sock, 127.0.0.1:$fpm_port)"
	run_httpd=$(san_httpd "$httpd" "$run") || fail "cannot write $run/httpd-san"
	(cd "$run" && APACHE_TEST_NO_COLOR=1 "$PERL" t/TEST.PL -httpd "$run_httpd" -apxs "$APXS" \
		-httpd_conf "$run/httpd-base.conf" -user "$user" -group "$group" -port select -minclients 2 -maxclients 6 ${SG_APACHE_TEST_ARGS:-}) </dev/null
	rc=$?
	san_reports "$run/t/logs/error_log" || { echo "== MPM $mpm: sanitizer reports in the error log"; rc=1; }
	[ $rc -eq 0 ] || { echo "== MPM $mpm: FAILED (exit $rc)"; show_logs; }
	cleanup
	return $rc
}

# ------------------------------------------------------------- a bad directive
# httpd -t must refuse SpamGearNoExecMatch with a bad regex, naming the directive.
check_bad_directive() {
	run="$runroot/config-test"
	rm -rf "$run"; mkdir -p "$run" || fail "cannot create $run"
	printf '%s\n' "LoadModule mpm_prefork_module \"$libexecdir/mod_mpm_prefork.so\"" \
		"LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" \
		"LoadModule spamgear_module \"$module\"" \
		"ServerName localhost" "ErrorLog \"$run/error_log\"" "PidFile \"$run/httpd.pid\"" \
		"Listen 127.0.0.1:1" 'SpamGearNoExecMatch "(bad"' >"$run/bad.conf"
	out=$(env $san_env "$httpd" -t -f "$run/bad.conf" 2>&1)
	st=$?
	if [ $st -ne 0 ] && printf '%s\n' "$out" | grep -q 'SpamGearNoExecMatch'; then
		echo "ok - httpd -t refuses SpamGearNoExecMatch \"(bad\": $(printf '%s\n' "$out" | grep SpamGearNoExecMatch | head -n 1)"
		return 0
	fi
	echo "not ok - httpd -t with SpamGearNoExecMatch \"(bad\" (exit $st): $out"
	return 1
}

# The shipped fail2ban filter, run by the real fail2ban-regex over the error
# log of a suite run, must find exactly the clients of its AH53020 ban lines.
check_fail2ban_filter() {
	local log=$top_builddir/t/apache-run/$1/t/logs/error_log want got
	local filter=$top_srcdir/conf/spamgear-ban.fail2ban-filter.conf
	if ! command -v fail2ban-regex >/dev/null; then
		echo "not ok - fail2ban filter: fail2ban-regex missing (install the Debian package fail2ban)"
		return 1
	fi
	want=$(sed -n 's/.* AH53020: spamgear: ban: client \([^ ]*\) banned .*/\1/p' "$log" | sort)
	got=$(fail2ban-regex --out ip "$log" "$filter" 2>/dev/null | sort)
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		echo "ok - fail2ban filter finds the $(echo "$want" | wc -l) banned clients of the $1 run"
		return 0
	fi
	echo "not ok - fail2ban filter on the $1 run: want [$(echo $want)], got [$(echo $got)]"
	return 1
}

# ------------------------------------------------------------- clamd down, graceful reload
# One engine per server, so these need an httpd of their own: SpamGearClamAV
# Socket at a socket nobody listens on (503 by default, passed on with
# SpamGearUploadOnError Allow), HTTP/2 (h2c), and a graceful restart that reloads a changed
# signature file.  A request that reaches the handler is a POST to a
# static file (the default handler answers 200).
check_upload_engine() {
	run="$runroot/upload-engine"
	rm -rf "$run"; mkdir -p "$run/sigs" "$run/docs" || fail "cannot create $run"
	chmod 755 "$run" "$run/docs" && echo x >"$run/docs/f.txt" && chmod 644 "$run/docs/f.txt"
	port=$(free_port) || fail "cannot find a free port"
	printf '%s\n' 'Test.Marker malicious any lit SGMARKER-ONE' >"$run/sigs/t.sigs"
	printf '%s\n' "LoadModule mpm_event_module \"$libexecdir/mod_mpm_event.so\"" \
		"LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" \
		"LoadModule http2_module \"$libexecdir/mod_http2.so\"" "Protocols h2c http/1.1" \
		"LoadModule alias_module \"$libexecdir/mod_alias.so\"" \
		"LoadModule socache_shmcb_module \"$libexecdir/mod_socache_shmcb.so\"" \
		"LoadModule spamgear_module \"$module\"" \
		"ServerName localhost" "ErrorLog \"$run/error_log\"" "PidFile \"$run/httpd.pid\"" \
		"Listen 127.0.0.1:$port" "User $user" "Group $group" "DocumentRoot \"$run/docs\"" \
		"StartServers 1" "ThreadsPerChild 4" "ServerLimit 2" "MaxRequestWorkers 8" "<Directory \"$run/docs\">" "Require all granted" "</Directory>" \
		"SpamGearSignatures \"$run/sigs\"" "SpamGearClamAV Socket $run/nobody.sock" \
		"Alias /allow \"$run/docs\"" "<Location /allow>" "SpamGearUploadOnError Allow" \
		"</Location>" >"$run/httpd.conf"
	env $san_env "$httpd" -f "$run/httpd.conf" -k start || { echo "not ok - upload engine httpd did not start"; cat "$run/error_log"; return 1; }
	post() {
		curl -s -o /dev/null -w '%{http_code}' -F "up=@$run/up.txt;filename=a.txt" \
			"http://127.0.0.1:$port$1"
	}
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/f.txt" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	st=0
	echo "SGMARKER-TWO" >"$run/up.txt"
	r1=$(post /f.txt); r2=$(post /allow/f.txt)
	[ "$r1" = 503 ] && echo "ok - clamd socket nobody listens on: 503" ||
		{ echo "not ok - clamd down: got $r1, want 503"; st=1; }
	[ "$r2" = 200 ] && echo "ok - clamd down with SpamGearUploadOnError Allow: passed to the handler (200)" ||
		{ echo "not ok - clamd down, OnError Allow: got $r2, want 200"; st=1; }
	grep -q 'AH53043: spamgear: upload: not scanned (.*), refused' "$run/error_log" &&
		echo "ok - one AH53043 line says why" ||
		{ echo "not ok - no AH53043 line"; st=1; }
	# Graceful restart: the changed rule file is loaded (ClamAV off now).
	sed -i "s|SpamGearClamAV Socket .*|SpamGearClamAV Off|" "$run/httpd.conf"
	env $san_env "$httpd" -f "$run/httpd.conf" -k graceful
	i=0
	until [ "$(post /f.txt)" = 200 ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	printf '%s\n' 'Test.Marker malicious any lit SGMARKER-TWO' >"$run/sigs/t.sigs"
	env $san_env "$httpd" -f "$run/httpd.conf" -k graceful
	i=0
	until [ "$(post /f.txt)" = 403 ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	r3=$(post /f.txt)
	[ "$r3" = 403 ] && echo "ok - graceful restart loads the changed signature file (403)" ||
		{ echo "not ok - after graceful: got $r3, want 403"; st=1; }
	# HTTP/2 (h2c): the same verdicts.
	h2() {
		curl -s -o /dev/null -w '%{http_version} %{http_code}' --http2-prior-knowledge \
			-F "up=@$1;filename=a.txt" "http://127.0.0.1:$port/f.txt"
	}
	echo "nothing to see" >"$run/clean.txt"
	r4=$(h2 "$run/up.txt"); r5=$(h2 "$run/clean.txt")
	# A streamed PUT: no Content-Length, no Transfer-Encoding on the wire.
	r6=$(curl -s -o /dev/null -w '%{http_version} %{http_code}' --http2-prior-knowledge \
		-X PUT -T - "http://127.0.0.1:$port/f.txt" <"$run/up.txt")
	[ "$r4" = "2 403" ] && [ "$r5" = "2 200" ] && [ "$r6" = "2 403" ] &&
		echo "ok - HTTP/2: infected upload 403, clean 200, streamed PUT without length 403" ||
		{ echo "not ok - HTTP/2: infected '$r4' (want '2 403'), clean '$r5' (want '2 200'), streamed '$r6' (want '2 403')"; st=1; }
	# A broken signature file stops the config test with file:line.
	printf '%s\n' 'Test.Bad malicious nowhere re x' >"$run/sigs/t.sigs"
	out=$(env $san_env "$httpd" -t -f "$run/httpd.conf" 2>&1)
	if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -q 'SpamGearSignatures: .*t\.sigs:1'; then
		echo "ok - httpd -t names the broken signature file:line"
	else
		echo "not ok - httpd -t with a broken signature file: $out"; st=1
	fi
	# (-k stop would read the now broken config)
	kill "$(cat "$run/httpd.pid")"
	i=0
	while [ -f "$run/httpd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ $st -eq 0 ] || tail -n 20 "$run/error_log"
	return $st
}

# ------------------------------------------------------------- YARA rules
# An httpd (prefork) with SpamGearYaraRules and a YARA file in the signature
# directory: an upload a malicious rule matches is refused (403) and the log
# line names the rule; one only a suspicious rule matches passes (200); the
# status page counts the rules; a graceful restart loads a changed rule
# file; a rule file that does not compile stops httpd -t and httpd -k start
# naming FILE:LINE.
check_upload_yara() {
	run="$runroot/upload-yara"
	rm -rf "$run"; mkdir -p "$run/sigs" "$run/yara" "$run/docs" || fail "cannot create $run"
	chmod 755 "$run" "$run/docs" && echo x >"$run/docs/f.txt" && chmod 644 "$run/docs/f.txt"
	port=$(free_port) || fail "cannot find a free port"
	printf '%s\n' 'rule SigDirRule { strings: $a = "YMARK-SIGDIR" condition: $a }' >"$run/sigs/d.yar"
	printf '%s\n' 'rule Dropper { meta: description = "test dropper"' \
		'  strings: $a = "YMARK-ONE" condition: $a }' \
		'rule Mailer { meta: severity = "suspicious"' \
		'  strings: $a = "YMARK-SUS" condition: $a }' >"$run/yara/r.yar"
	printf '%s\n' "LoadModule mpm_prefork_module \"$libexecdir/mod_mpm_prefork.so\"" \
		"LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" \
		"LoadModule socache_shmcb_module \"$libexecdir/mod_socache_shmcb.so\"" \
		"LoadModule spamgear_module \"$module\"" \
		"ServerName localhost" "ErrorLog \"$run/error_log\"" "PidFile \"$run/httpd.pid\"" \
		"LogLevel info" \
		"Listen 127.0.0.1:$port" "User $user" "Group $group" "DocumentRoot \"$run/docs\"" \
		"StartServers 1" "<Directory \"$run/docs\">" "Require all granted" "</Directory>" \
		"SpamGearSignatures \"$run/sigs\"" "SpamGearYaraRules t:$run/yara" \
		"<Location /status>" "SetHandler spamgear-status" "</Location>" >"$run/httpd.conf"
	env $san_env "$httpd" -f "$run/httpd.conf" -k start || { echo "not ok - YARA httpd did not start"; cat "$run/error_log"; return 1; }
	post() {
		printf '%s\n' "$1" >"$run/up.txt"
		curl -s -o /dev/null -w '%{http_code}' -F "up=@$run/up.txt;filename=a.txt" \
			"http://127.0.0.1:$port/f.txt"
	}
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/f.txt" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	st=0
	r1=$(post "x YMARK-ONE x"); r2=$(post "x YMARK-SUS x"); r3=$(post "x YMARK-SIGDIR x")
	r4=$(post "nothing here")
	[ "$r1" = 403 ] && [ "$r2" = 200 ] && [ "$r3" = 403 ] && [ "$r4" = 200 ] &&
		echo "ok - YARA: malicious rule 403, suspicious rule 200, signature directory's rule 403, clean 200" ||
		{ echo "not ok - YARA: got $r1 $r2 $r3 $r4, want 403 200 403 200"; st=1; }
	grep -q 'YARA.*t:Dropper' "$run/error_log" &&
		echo "ok - the refusal's log line names the rule with its namespace (t:Dropper)" ||
		{ echo "not ok - no log line names t:Dropper"; st=1; }
	y=$(curl -s "http://127.0.0.1:$port/status?json" | sed -n 's/.*"yara": "\([^"]*\)".*/\1/p')
	case $y in
	"3 rules from 2 files, compiled in "*) echo "ok - status page: $y" ;;
	*) echo "not ok - status page yara: '$y', want 3 rules from 2 files"; st=1 ;;
	esac
	# Graceful restart: the changed rule file is compiled again.
	sed -i 's/YMARK-ONE/YMARK-TWO/' "$run/yara/r.yar"
	env $san_env "$httpd" -f "$run/httpd.conf" -k graceful
	i=0
	until [ "$(post "x YMARK-TWO x")" = 403 ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	r5=$(post "x YMARK-TWO x"); r6=$(post "x YMARK-ONE x")
	[ "$r5" = 403 ] && [ "$r6" = 200 ] &&
		echo "ok - graceful restart loads the changed YARA file (new marker 403, old 200)" ||
		{ echo "not ok - after graceful: got $r5 $r6, want 403 200"; st=1; }
	# A rule that does not compile: httpd -t and a fresh start name FILE:LINE.
	printf '%s\n' 'rule Broken {' '  strings: $a = "x"' '  condition: $b' '}' >"$run/yara/r.yar"
	out=$(env $san_env "$httpd" -t -f "$run/httpd.conf" 2>&1)
	if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -q "SpamGearYaraRules: $run/yara/r.yar:[0-9]*: undefined string"; then
		echo "ok - httpd -t names the YARA file:line: $(printf '%s\n' "$out" | grep -o 'r\.yar:[0-9]*: [^"]*' | head -n 1)"
	else
		echo "not ok - httpd -t with a broken YARA file: $out"; st=1
	fi
	kill "$(cat "$run/httpd.pid")"
	i=0
	while [ -f "$run/httpd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	out=$(env $san_env "$httpd" -f "$run/httpd.conf" -k start 2>&1)
	if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -q "r\.yar:[0-9]*: undefined string"; then
		echo "ok - httpd -k start refuses the broken YARA file, naming FILE:LINE"
	else
		echo "not ok - httpd -k start with a broken YARA file: $out"; st=1
		[ -f "$run/httpd.pid" ] && kill "$(cat "$run/httpd.pid")"
	fi
	[ $st -eq 0 ] || tail -n 20 "$run/error_log"
	return $st
}

# ------------------------------------------------------------- a real clamd stopped
# A real clamd (Debian clamav-daemon) with a one-signature test database on a
# private socket, and an httpd with SpamGearClamAV Socket at it and
# SpamGearClamAVTimeout 2: clean 200, infected (only clamd knows the marker)
# 403; clamd frozen (SIGSTOP: connections queue, nobody answers) 503 within
# the timeout, or 200 with SpamGearUploadOnError Allow; clamd killed in the
# middle of a run of uploads: every answer 200 (before) or 503 (after), none
# slow.  Every request is timed against an upper bound.
check_upload_clamd() {
	local clamd=${CLAMD:-$(command -v clamd || echo /usr/sbin/clamd)} cpid st=0 i r t
	if [ ! -x "$clamd" ]; then
		echo "not ok - real clamd: $clamd missing (install the Debian package clamav-daemon)"
		return 1
	fi
	run="$runroot/upload-clamd"
	rm -rf "$run"; mkdir -p "$run/db" "$run/docs" || fail "cannot create $run"
	chmod 755 "$run" "$run/docs" && echo x >"$run/docs/f.txt" && chmod 644 "$run/docs/f.txt"
	# The marker, in hex, for clamd only (no project signatures loaded).
	echo "SG.Test.Upload:0:*:$(printf 'sg-clamd-upload-marker-0815' | od -An -tx1 | tr -d ' \n')" \
		>"$run/db/test.ndb"
	printf '%s\n' "LocalSocket $run/clamd.sock" "LocalSocketMode 666" \
		"DatabaseDirectory $run/db" "Foreground yes" "LogFile $run/clamd.log" \
		"PidFile $run/clamd.pid" >"$run/clamd.conf"
	[ "$(id -u)" = 0 ] && echo "User root" >>"$run/clamd.conf"
	"$clamd" -c "$run/clamd.conf" >"$run/clamd.out" 2>&1 &
	cpid=$!
	i=0
	until [ -S "$run/clamd.sock" ]; do
		if ! kill -0 "$cpid" 2>/dev/null || [ $i -ge 300 ]; then
			echo "not ok - real clamd did not start: $(tail -n 5 "$run/clamd.out" "$run/clamd.log" 2>/dev/null)"
			kill "$cpid" 2>/dev/null; return 1
		fi
		sleep 0.1; i=$((i + 1))
	done
	port=$(free_port) || fail "cannot find a free port"
	printf '%s\n' "LoadModule mpm_event_module \"$libexecdir/mod_mpm_event.so\"" \
		"LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" \
		"LoadModule alias_module \"$libexecdir/mod_alias.so\"" \
		"LoadModule socache_shmcb_module \"$libexecdir/mod_socache_shmcb.so\"" \
		"LoadModule spamgear_module \"$module\"" \
		"ServerName localhost" "ErrorLog \"$run/error_log\"" "PidFile \"$run/httpd.pid\"" \
		"Listen 127.0.0.1:$port" "User $user" "Group $group" "DocumentRoot \"$run/docs\"" \
		"StartServers 1" "ThreadsPerChild 8" "ServerLimit 2" "MaxRequestWorkers 16" \
		"<Directory \"$run/docs\">" "Require all granted" "</Directory>" \
		"SpamGearClamAV Socket $run/clamd.sock" "SpamGearClamAVTimeout 2" \
		"Alias /allow \"$run/docs\"" "<Location /allow>" "SpamGearUploadOnError Allow" \
		"</Location>" >"$run/httpd.conf"
	env $san_env "$httpd" -f "$run/httpd.conf" -k start ||
		{ echo "not ok - clamd httpd did not start"; cat "$run/error_log"; kill "$cpid"; return 1; }
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/f.txt" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	head -c 100000 /dev/urandom | od -An -tx1 >"$run/clean.txt"
	{ head -c 50000 "$run/clean.txt"; echo sg-clamd-upload-marker-0815; } >"$run/bad.txt"
	# timed FILE URI: "CODE SECONDS"
	timed() {
		curl -s -o /dev/null -m 30 -w '%{http_code} %{time_total}' \
			-F "up=@$1;filename=a.txt" "http://127.0.0.1:$port$2"
	}
	# expect_t WHAT WANT-CODE MAX-SECONDS FILE URI
	expect_t() {
		set -- "$1" "$2" "$3" $(timed "$4" "$5")
		r=${4:-none} t=${5:-?}
		if [ "$r" = "$2" ] && awk -v t="$t" -v m="$3" 'BEGIN {exit !(t < m)}'; then
			echo "ok - real clamd, $1: $r in ${t}s (< $3 s)"
		else
			echo "not ok - real clamd, $1: got $r in ${t}s, want $2 in < $3 s"; st=1
		fi
	}
	expect_t "clean upload" 200 1 "$run/clean.txt" /f.txt
	expect_t "upload only clamd's database matches" 403 1 "$run/bad.txt" /f.txt
	grep -q 'AH53042: .*SG.Test.Upload' "$run/error_log" &&
		echo "ok - real clamd: the AH53042 line names clamd's signature" ||
		{ echo "not ok - real clamd: no AH53042 line with SG.Test.Upload"; st=1; }
	# Frozen clamd: the socket accepts, nothing answers.
	kill -STOP "$cpid"
	expect_t "clamd stopped (SIGSTOP), clean upload refused within SpamGearClamAVTimeout 2" 503 3 \
		"$run/clean.txt" /f.txt
	expect_t "clamd stopped, infected upload refused too" 503 3 "$run/bad.txt" /f.txt
	expect_t "clamd stopped, SpamGearUploadOnError Allow passes within the timeout" 200 3 \
		"$run/clean.txt" /allow/f.txt
	grep -q 'AH53043: spamgear: upload: not scanned (.*clamd.*), refused' "$run/error_log" &&
		echo "ok - real clamd stopped: an AH53043 line says why" ||
		{ echo "not ok - real clamd stopped: no AH53043 refused line"; st=1; }
	kill -CONT "$cpid"
	expect_t "clamd resumed (SIGCONT): clean upload" 200 2 "$run/clean.txt" /f.txt
	# Killed in the middle of a run: 4 clients, 25 uploads each; clamd gets
	# SIGKILL once 10 have been answered.
	for c in 1 2 3 4; do
		(for _ in $(seq 1 25); do timed "$run/clean.txt" /f.txt; echo; done >"$run/mid.$c") &
	done
	i=0
	until [ "$(cat "$run/mid."[1-4] 2>/dev/null | wc -l)" -ge 10 ] || [ $i -ge 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	kill -9 "$cpid"; wait "$cpid" 2>/dev/null; rm -f "$run/clamd.pid"
	wait
	cat "$run/mid."[1-4] >"$run/mid"
	if [ "$(wc -l <"$run/mid")" = 100 ] &&
		awk '($1 != 200 && $1 != 503) || $2 >= 2 {bad = 1} END {exit bad}' "$run/mid" &&
		grep -q '^503' "$run/mid"; then
		echo "ok - real clamd killed mid-run: 100 uploads, $(grep -c '^200' "$run/mid") passed before, $(grep -c '^503' "$run/mid") refused after, slowest $(sort -k2 -n "$run/mid" | tail -n 1 | cut -d' ' -f2)s"
	else
		echo "not ok - real clamd killed mid-run: $(sort "$run/mid" | uniq -c | head -n 10 | tr '\n' ';')"; st=1
	fi
	expect_t "clamd gone: refused at once" 503 1 "$run/clean.txt" /f.txt
	expect_t "clamd gone, SpamGearUploadOnError Allow: passed at once" 200 1 "$run/clean.txt" /allow/f.txt
	kill "$(cat "$run/httpd.pid")"
	i=0
	while [ -f "$run/httpd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	san_reports "$run/error_log" || { echo "not ok - real clamd: sanitizer reports"; st=1; }
	[ $st -eq 0 ] || { tail -n 20 "$run/error_log"; tail -n 5 "$run/clamd.log"; }
	return $st
}

# ------------------------------------------------------------- the scan budget
# SpamGearScanBudget is server-wide (one engine), so a tiny budget needs an
# httpd of its own, under MPM $1: a file whose scan spends it is not scanned
# (503 and an AH53043 line naming the budget; 200 with SpamGearUploadOnError
# Allow), and with Allow the other parts of the body are still scanned: a
# GIF with PHP code after the part that spent its budget is refused (403).
# SpamGearScanBudget 0 lifts the limit.  A bad value stops httpd -t.
check_upload_budget() {
	local mpm=$1 st=0 r
	run="$runroot/upload-budget-$mpm"
	rm -rf "$run"; mkdir -p "$run/docs" || fail "cannot create $run"
	chmod 755 "$run" "$run/docs" && echo x >"$run/docs/f.txt" && chmod 644 "$run/docs/f.txt"
	port=$(free_port) || fail "cannot find a free port"
	budget_conf() {
		printf '%s\n' "LoadModule mpm_${mpm}_module \"$libexecdir/mod_mpm_${mpm}.so\"" \
			"LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" \
			"LoadModule alias_module \"$libexecdir/mod_alias.so\"" \
			"LoadModule socache_shmcb_module \"$libexecdir/mod_socache_shmcb.so\"" \
			"LoadModule spamgear_module \"$module\"" \
			"ServerName localhost" "ErrorLog \"$run/error_log\"" "PidFile \"$run/httpd.pid\"" \
			"Listen 127.0.0.1:$port" "User $user" "Group $group" "DocumentRoot \"$run/docs\"" \
			"StartServers 1" \
			"<Directory \"$run/docs\">" "Require all granted" "</Directory>" \
			"SpamGearSignatures \"$top_srcdir/conf/signatures\"" "SpamGearScanBudget $1" \
			"Alias /allow \"$run/docs\"" "<Location /allow>" "SpamGearUploadOnError Allow" \
			"</Location>" >"$run/httpd.conf"
	}
	budget_conf 1us
	env $san_env "$httpd" -f "$run/httpd.conf" -k start ||
		{ echo "not ok - budget ($mpm): httpd did not start"; cat "$run/error_log"; return 1; }
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/f.txt" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	# Clean PHP (the analyser runs on it): far more than 1 us of CPU.
	awk 'BEGIN { print "<?php"; for (i = 0; i < 2000; i++) printf "$a%d = strtoupper(\"x%d\");\n", i, i }' >"$run/code.txt"
	printf 'GIF89a<?php echo 1; ?>\n' >"$run/poly.gif"
	post() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	r=$(post -F "up=@$run/code.txt;filename=code.txt" "http://127.0.0.1:$port/f.txt")
	[ "$r" = 503 ] && echo "ok - budget ($mpm): SpamGearScanBudget 1us, a file that spends it: 503" ||
		{ echo "not ok - budget ($mpm): got $r, want 503"; st=1; }
	grep -q 'AH53043: spamgear: upload: not scanned (code.txt: the CPU budget .*), refused' "$run/error_log" &&
		echo "ok - budget ($mpm): the AH53043 line says the budget was spent" ||
		{ echo "not ok - budget ($mpm): no AH53043 budget line"; st=1; }
	r=$(post -F "up=@$run/code.txt;filename=code.txt" "http://127.0.0.1:$port/allow/f.txt")
	[ "$r" = 200 ] && echo "ok - budget ($mpm): with SpamGearUploadOnError Allow: 200" ||
		{ echo "not ok - budget ($mpm), OnError Allow: got $r, want 200"; st=1; }
	r=$(post -F "a=@$run/code.txt;filename=code.txt" -F "b=@$run/poly.gif;filename=a.gif" \
		"http://127.0.0.1:$port/allow/f.txt")
	[ "$r" = 403 ] && echo "ok - budget ($mpm): OnError Allow still scans the next part: a GIF with PHP after it is refused (403)" ||
		{ echo "not ok - budget ($mpm): part over the budget, then a GIF polyglot: got $r, want 403"; st=1; }
	budget_conf 0
	env $san_env "$httpd" -f "$run/httpd.conf" -k graceful
	i=0
	until [ "$(post -F "up=@$run/code.txt;filename=code.txt" "http://127.0.0.1:$port/f.txt")" = 200 ] ||
		[ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ $i -lt 50 ] && echo "ok - budget ($mpm): SpamGearScanBudget 0 (no limit): the same file passes (200)" ||
		{ echo "not ok - budget ($mpm): SpamGearScanBudget 0: the file is still refused"; st=1; }
	budget_conf fast
	out=$(env $san_env "$httpd" -t -f "$run/httpd.conf" 2>&1)
	if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -q 'SpamGearScanBudget: want a CPU time'; then
		echo "ok - budget ($mpm): httpd -t refuses SpamGearScanBudget fast"
	else
		echo "not ok - budget ($mpm): httpd -t with SpamGearScanBudget fast: $out"; st=1
	fi
	kill "$(cat "$run/httpd.pid")"
	i=0
	while [ -f "$run/httpd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	san_reports "$run/error_log" || { echo "not ok - budget ($mpm): sanitizer reports"; st=1; }
	[ $st -eq 0 ] || tail -n 20 "$run/error_log"
	return $st
}

# ------------------------------------------------------------- the spool quota
# SpamGearSpoolQuota is one budget for every child (shared memory), so it
# needs an httpd of its own, under MPM $1, with a 4M quota: a slow 3M upload
# holds 3M from its first byte (Content-Length reserved), a second 3M one is
# refused at once (503, Retry-After, AH53049), a chunked one (no length) is
# refused once its spool file would pass the quota, the status page shows the
# spool in use, and everything is given back when the uploads end.  Six slow
# 1.5M uploads at once: exactly two fit.  LimitRequestBody is the default
# SpamGearUploadMaxSize where it is set.
check_spool_quota() {
	local mpm=$1 st=0 r i a codes
	run="$runroot/spool-quota-$mpm"
	rm -rf "$run"; mkdir -p "$run/docs" "$run/spool" || fail "cannot create $run"
	chmod 755 "$run" "$run/docs" && chmod 1777 "$run/spool"
	echo x >"$run/docs/f.txt" && chmod 644 "$run/docs/f.txt"
	port=$(free_port) || fail "cannot find a free port"
	quota_conf() {
		printf '%s\n' "LoadModule mpm_${mpm}_module \"$libexecdir/mod_mpm_${mpm}.so\"" \
			"LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" \
			"LoadModule authz_host_module \"$libexecdir/mod_authz_host.so\"" \
			"LoadModule socache_shmcb_module \"$libexecdir/mod_socache_shmcb.so\"" \
			"LoadModule spamgear_module \"$module\"" \
			"ServerName localhost" "ErrorLog \"$run/error_log\"" "LogLevel info" \
			"PidFile \"$run/httpd.pid\"" \
			"Listen 127.0.0.1:$port" "User $user" "Group $group" "DocumentRoot \"$run/docs\"" \
			"StartServers 2" "<Directory \"$run/docs\">" "Require all granted" "</Directory>" \
			"SpamGearSpoolDir \"$run/spool\"" "$1" \
			"<Location /lrb>" "LimitRequestBody 2000000" "</Location>" \
			"<Location /status>" "SetHandler spamgear-status" "Require ip 127.0.0.1" \
			"</Location>" >"$run/httpd.conf"
	}
	quota_conf "SpamGearSpoolQuota 4M"
	env $san_env "$httpd" -f "$run/httpd.conf" -k start ||
		{ echo "not ok - spool quota ($mpm): httpd did not start"; cat "$run/error_log"; return 1; }
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/f.txt" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	head -c $((3 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$run/3m.txt"
	head -c $((3 * 1024 * 1024 / 2)) /dev/zero | tr '\0' 'b' >"$run/1m5.txt"
	head -c 2500000 /dev/zero | tr '\0' 'c' >"$run/2m5.txt"
	url="http://127.0.0.1:$port/f.txt"
	post() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	in_use() { curl -s "http://127.0.0.1:$port/status?json" | sed -n 's/.*"spool": {"in_use": \([0-9]*\), "quota": \([0-9]*\)}.*/\1 \2/p'; }
	# A: 3M at 1M/s (3 s), held from its first byte.
	post --limit-rate 1M -F "up=@$run/3m.txt;filename=a.txt" "$url" >"$run/a.code" &
	a=$!
	i=0
	until [ "$(in_use | cut -d' ' -f1)" -ge $((3 * 1024 * 1024)) ] 2>/dev/null || [ $i -ge 40 ]; do
		sleep 0.05; i=$((i + 1))
	done
	r=$(in_use)
	[ "${r% *}" -ge $((3 * 1024 * 1024)) ] 2>/dev/null && [ "${r#* }" = 4194304 ] &&
		echo "ok - spool quota ($mpm): the status page shows a slow 3M upload's spool in use ($r)" ||
		{ echo "not ok - spool quota ($mpm): status spool during a slow 3M upload: '$r'"; st=1; }
	# B: another 3M while A holds 3M of 4M: refused before its body is read.
	r=$(curl -s -D "$run/b.head" -o /dev/null -w '%{http_code} %{time_total}' \
		-F "up=@$run/3m.txt;filename=b.txt" "$url")
	[ "${r% *}" = 503 ] && grep -qi '^Retry-After: 60' "$run/b.head" &&
		echo "ok - spool quota ($mpm): a second 3M upload meanwhile: 503 with Retry-After (in ${r#* }s)" ||
		{ echo "not ok - spool quota ($mpm): second 3M upload: got '$r', want 503 + Retry-After"; st=1; }
	# C: chunked (no Content-Length): refused when its spool file would pass the quota.
	r=$(post -H 'Transfer-Encoding: chunked' -F "up=@$run/3m.txt;filename=c.txt" "$url")
	[ "$r" = 503 ] && echo "ok - spool quota ($mpm): a chunked 3M upload meanwhile: 503" ||
		{ echo "not ok - spool quota ($mpm): chunked 3M upload: got $r, want 503"; st=1; }
	wait $a
	[ "$(cat "$run/a.code")" = 200 ] && echo "ok - spool quota ($mpm): the slow 3M upload itself: 200" ||
		{ echo "not ok - spool quota ($mpm): the slow 3M upload: $(cat "$run/a.code")"; st=1; }
	i=0
	until [ "$(in_use | cut -d' ' -f1)" = 0 ] || [ $i -ge 40 ]; do sleep 0.05; i=$((i + 1)); done
	r=$(post -F "up=@$run/3m.txt;filename=b.txt" "$url")
	[ "$(in_use | cut -d' ' -f1)" = 0 ] && [ "$r" = 200 ] &&
		echo "ok - spool quota ($mpm): given back when it ended: in use 0, the next 3M upload 200" ||
		{ echo "not ok - spool quota ($mpm): after the upload: in use $(in_use), next upload $r"; st=1; }
	grep -q "AH53049: spamgear: upload: spool quota full (3145[0-9]* of SpamGearSpoolQuota 4194304 bytes in use), a body of 3145[0-9]* bytes or more refused (503)" "$run/error_log" &&
		echo "ok - spool quota ($mpm): AH53049 says what is in use, the quota and the body" ||
		{ echo "not ok - spool quota ($mpm): no AH53049 line"; grep AH5304 "$run/error_log" | tail -n 3; st=1; }
	# Six slow 1.5M uploads at once: two fit in 4M, four are refused.
	for i in 1 2 3 4 5 6; do
		post --limit-rate 1M -F "up=@$run/1m5.txt;filename=s$i.txt" "$url" >"$run/s$i.code" &
	done
	wait
	codes=$(for i in 1 2 3 4 5 6; do cat "$run/s$i.code"; echo; done)
	r=$(printf '%s\n' "$codes" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
	[ "$(printf '%s\n' "$codes" | grep -c 200)" = 2 ] && [ "$(printf '%s\n' "$codes" | grep -c 503)" = 4 ] &&
		echo "ok - spool quota ($mpm): six slow 1.5M uploads at once: 2 pass, 4 refused ($r)" ||
		{ echo "not ok - spool quota ($mpm): six slow 1.5M uploads: $r (want 2x200, 4x503)"; st=1; }
	# LimitRequestBody 2000000 where SpamGearUploadMaxSize is not set.
	r=$(post -F "up=@$run/2m5.txt;filename=l.txt" "http://127.0.0.1:$port/lrb/f.txt")
	[ "$r" = 413 ] && grep -q "AH53044: spamgear: upload: body over SpamGearUploadMaxSize 2000000 (LimitRequestBody) refused" "$run/error_log" &&
		echo "ok - spool quota ($mpm): LimitRequestBody 2000000 is the default upload max (413, AH53044 says so)" ||
		{ echo "not ok - spool quota ($mpm): LimitRequestBody as upload max: got $r"; grep AH53044 "$run/error_log" | tail -n 2; st=1; }
	kill "$(cat "$run/httpd.pid")"
	i=0
	while [ -f "$run/httpd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	for bad in "SpamGearSpoolQuota 10k" "<VirtualHost 127.0.0.1:$port>
SpamGearSpoolQuota 8M
</VirtualHost>"; do
		quota_conf "$bad"
		out=$(env $san_env "$httpd" -t -f "$run/httpd.conf" 2>&1)
		if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -q 'SpamGearSpoolQuota'; then
			echo "ok - spool quota ($mpm): httpd -t refuses $(printf '%s' "$bad" | head -n 2 | tr '\n' ' ')"
		else
			echo "not ok - spool quota ($mpm): httpd -t with '$bad': $out"; st=1
		fi
	done
	san_reports "$run/error_log" || { echo "not ok - spool quota ($mpm): sanitizer reports"; st=1; }
	[ $st -eq 0 ] || tail -n 20 "$run/error_log"
	return $st
}

# ------------------------------------------------------------- replay: GETLINE
# A mod_perl handler that reads a scanned request body (a raw upload) line by
# line (AP_MODE_GETLINE, as ap_getline-style readers do) must get the whole body
# from the replay filter, never a piece with data after an LF: bodies in
# memory and over the 1 MB memory spool (the mapped file), Content-Length
# and chunked, a last line without LF, a line longer than one read.
# (httpd's own HTTP_IN filter times out on a last line without LF and fails
# GETLINE on chunked bodies, so httpd without the module is no oracle: the
# expected answer is computed from the body.)
check_replay_getline() {
	run="$runroot/replay-getline"
	rm -rf "$run"; mkdir -p "$run/docs" "$run/lib" || fail "cannot create $run"
	[ -f "$libexecdir/mod_perl.so" ] ||
		{ echo "not ok - replay GETLINE: $libexecdir/mod_perl.so missing (Debian package libapache2-mod-perl2)"; return 1; }
	mkdir -p "$run/spool" && chmod 755 "$run" "$run/docs" "$run/lib" && chmod 1777 "$run/spool"
	port=$(free_port) || fail "cannot find a free port"
	cat >"$run/lib/SGLines.pm" <<'PERL'
package SGLines;
# Reads the body with MODE_GETLINE until EOS; prints how many pieces ended
# in LF, how many held an LF before their end (a GETLINE must not), the
# bytes and the SHA-256 of what it read.
use strict;
use warnings;
use Digest::SHA ();
use Apache2::RequestRec ();
use Apache2::RequestIO ();
use Apache2::Connection ();
use Apache2::Filter ();
use APR::Brigade ();
use APR::Bucket ();
use APR::Error ();
use Apache2::Const -compile => qw(OK MODE_GETLINE);
use APR::Const -compile => qw(BLOCK_READ);

sub handler {
    my $r = shift;
    my $bb = APR::Brigade->new($r->pool, $r->connection->bucket_alloc);
    my ($lf, $bad, $bytes, $sha, $eos) = (0, 0, 0, Digest::SHA->new(256), 0);
    $r->content_type('text/plain');
    while (!$eos) {
        my $line = '';
        my $ok = eval { $r->input_filters->get_brigade($bb, Apache2::Const::MODE_GETLINE,
                                                       APR::Const::BLOCK_READ, 8192); 1 };
        if (!$ok) { $r->print("error $@\n"); return Apache2::Const::OK; }
        for (my $b = $bb->first; $b; $b = $bb->next($b)) {
            if ($b->is_eos) { $eos = 1; last; }
            $b->read(my $d);
            $line .= $d;
        }
        $bb->cleanup;
        next unless length $line;
        $lf++ if $line =~ /\n\z/;
        $bad++ if index($line, "\n") >= 0 && index($line, "\n") != length($line) - 1;
        $bytes += length $line;
        $sha->add($line);
    }
    $r->print("lf $lf bad $bad bytes $bytes sha ", $sha->hexdigest, "\n");
    return Apache2::Const::OK;
}
1;
PERL
	printf '%s\n' "LoadModule mpm_prefork_module \"$libexecdir/mod_mpm_prefork.so\"" \
		"LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" \
		"LoadModule alias_module \"$libexecdir/mod_alias.so\"" \
		"LoadModule socache_shmcb_module \"$libexecdir/mod_socache_shmcb.so\"" \
		"LoadModule perl_module \"$libexecdir/mod_perl.so\"" \
		"LoadModule spamgear_module \"$module\"" \
		"ServerName localhost" "ErrorLog \"$run/error_log\"" "PidFile \"$run/httpd.pid\"" \
		"Listen 127.0.0.1:$port" "User $user" "Group $group" "DocumentRoot \"$run/docs\"" \
		"StartServers 1" "MaxRequestWorkers 4" "SpamGearSpoolDir \"$run/spool\"" \
		"PerlSwitches -I$run/lib" "PerlModule SGLines" \
		"<Location />" "Require all granted" "SetHandler modperl" "PerlResponseHandler SGLines" \
		"</Location>" \
		>"$run/httpd.conf"
	env $san_env "$httpd" -f "$run/httpd.conf" -k start ||
		{ echo "not ok - replay GETLINE: httpd did not start"; cat "$run/error_log"; return 1; }
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	# Bodies: short lines, the last without LF; 40000 lines (1.2 MB, the
	# spool file); one 20000-byte line (over the 8 KB a line read asks for).
	printf 'a=1&b=2\nsecond line\r\n\nlast, no LF' >"$run/small"
	"$PERL" -e 'print map { sprintf("line %06d of the big body ......\n", $_) } 1 .. 40000' >"$run/big"
	"$PERL" -e 'print "x\n", "y" x 20000, "\nz\n"' >"$run/long"
	st=0
	for body in small big long; do
		want=$("$PERL" -MDigest::SHA=sha256_hex -0777 -ne \
			'printf "lf %d bad 0 bytes %d sha %s\n", tr/\n//, length, sha256_hex($_)' "$run/$body")
		for how in "" "-H Transfer-Encoding:chunked"; do
			got=$(curl -s -m 20 $how -H Content-Type:application/octet-stream \
				--data-binary "@$run/$body" "http://127.0.0.1:$port/")
			if [ "$got" = "$want" ]; then
				echo "ok - replay GETLINE: $body body${how:+ chunked}: $got"
			else
				echo "not ok - replay GETLINE: $body body${how:+ chunked}: got '$got', want '$want'"; st=1
			fi
		done
	done
	kill "$(cat "$run/httpd.pid")"
	i=0
	while [ -f "$run/httpd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	san_reports "$run/error_log" || { echo "not ok - replay GETLINE: sanitizer reports"; st=1; }
	[ $st -eq 0 ] || tail -n 20 "$run/error_log"
	return $st
}

# httpd -t fails whenever the start would: the ban store's socache provider
# missing (Debian does not enable socache_shmcb) is AH53030 at configtest
# time too, and conf/spamgear.load declares the dependency for a2enmod.
check_socache_dependency() {
	run="$runroot/config-socache"
	rm -rf "$run"; mkdir -p "$run" || fail "cannot create $run"
	base() {
		printf '%s\n' "LoadModule mpm_prefork_module \"$libexecdir/mod_mpm_prefork.so\"" \
			"LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" "$@" \
			"LoadModule spamgear_module \"$module\"" \
			"ServerName localhost" "ErrorLog \"$run/error_log\"" "PidFile \"$run/httpd.pid\"" \
			"Listen 127.0.0.1:1"
	}
	base >"$run/without.conf"
	base "LoadModule socache_shmcb_module \"$libexecdir/mod_socache_shmcb.so\"" >"$run/with.conf"
	out=$(env $san_env "$httpd" -t -f "$run/without.conf" 2>&1)
	st=$?
	out2=$(env $san_env "$httpd" -t -f "$run/with.conf" 2>&1)
	st2=$?
	rc=0
	if [ $st -ne 0 ] && printf '%s\n' "$out" | grep -q 'AH53030: spamgear: SpamGearBanStore shmcb needs the socache provider shmcb'; then
		echo "ok - httpd -t without socache_shmcb fails as the start would (AH53030)"
	else
		echo "not ok - httpd -t without socache_shmcb (exit $st): $out"; rc=1
	fi
	if [ $st2 -eq 0 ]; then
		echo "ok - httpd -t with socache_shmcb: Syntax OK"
	else
		echo "not ok - httpd -t with socache_shmcb (exit $st2): $out2"; rc=1
	fi
	if grep -qx '# Depends: socache_shmcb' "$top_srcdir/conf/spamgear.load"; then
		echo "ok - conf/spamgear.load declares '# Depends: socache_shmcb' for a2enmod"
	else
		echo "not ok - conf/spamgear.load does not declare its socache_shmcb dependency"; rc=1
	fi
	return $rc
}

# ------------------------------------------------------------- spamgear watch on the status page
# The status page (JSON and HTML) with SpamGearWatchStatus: null before the
# daemon ever ran; a real spamgear watch (fanotify: root only) running, its
# pid and counters, a shell written into its tree counted; after SIGKILL the
# page says not running (the file still says true: the pid is checked).
check_watch_status() {
	run="$runroot/watch-status"
	rm -rf "$run"; mkdir -p "$run/docs" "$run/state" "$run/tree" "$run/q" || fail "cannot create $run"
	chmod 755 "$run" "$run/docs" "$run/state" && echo x >"$run/docs/f.txt" && chmod 644 "$run/docs/f.txt"
	if [ "$(id -u)" != 0 ]; then
		echo "ok - watch on the status page: skipped, spamgear watch needs root"
		return 0
	fi
	port=$(free_port) || fail "cannot find a free port"
	printf '%s\n' "LoadModule mpm_prefork_module \"$libexecdir/mod_mpm_prefork.so\"" \
		"LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" \
		"LoadModule socache_shmcb_module \"$libexecdir/mod_socache_shmcb.so\"" \
		"LoadModule spamgear_module \"$module\"" \
		"ServerName localhost" "ErrorLog \"$run/error_log\"" "PidFile \"$run/httpd.pid\"" \
		"Listen 127.0.0.1:$port" "User $user" "Group $group" "DocumentRoot \"$run/docs\"" \
		"StartServers 1" "<Directory \"$run/docs\">" "Require all granted" "</Directory>" \
		"SpamGearWatchStatus \"$run/state/watch.status\"" \
		"<Location /status>" "SetHandler spamgear-status" "</Location>" >"$run/httpd.conf"
	printf '%s\n' "clamav off" "signatures $top_srcdir/conf/signatures" "state-dir $run/state" \
		"quarantine $run/q" >"$run/sg.conf"
	env $san_env "$httpd" -f "$run/httpd.conf" -k start || { echo "not ok - watch-status httpd did not start"; cat "$run/error_log"; return 1; }
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$port/f.txt" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	st=0
	page() { curl -s "http://127.0.0.1:$port/status$1"; }
	page '?json' | grep -q '^  "watch": null$' &&
		echo "ok - status page before spamgear watch ran: \"watch\": null" ||
		{ echo "not ok - status page before watch: $(page '?json' | grep watch)"; st=1; }
	env $san_env "$top_builddir/spamgear" -c "$run/sg.conf" watch -j 1 --quarantine "$run/tree" \
		>"$run/watch.out" 2>"$run/watch.err" &
	wpid=$!
	i=0
	until [ -s "$run/state/watch.status" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	printf '<?php eval($_POST["c"]);\n' >"$run/tree/x.php"
	i=0
	until page '?json' | grep -q "\"watch\": {\"running\": true, \"status\": {.*\"pid\":$wpid,.*\"malicious\":1," || [ $i -ge 40 ]; do
		sleep 0.1; i=$((i + 1))
	done
	page '?json' | grep -q "\"watch\": {\"running\": true, \"status\": {.*\"pid\":$wpid,.*\"malicious\":1," &&
		echo "ok - status page JSON: watch running, its pid, the shell it found" ||
		{ echo "not ok - status page JSON with watch running: $(page '?json' | grep watch)"; st=1; }
	page '' | grep -q "<dl id=\"watch\"><dt>Daemon</dt><dd>running (pid $wpid)</dd>.*<dt>Malicious / suspicious</dt><dd>1 / 0</dd>.*<dt>Prevention</dt><dd>off</dd></dl>" &&
		echo "ok - status page HTML: watch running, malicious 1, prevention off" ||
		{ echo "not ok - status page HTML: $(page '' | grep -o '<dl id="watch">.*</dl>')"; st=1; }
	kill -9 $wpid; wait $wpid 2>/dev/null
	page '?json' | grep -q '"watch": {"running": false, "status": {"running":true,' &&
		echo "ok - after SIGKILL: not running (the file still says true; the pid is gone)" ||
		{ echo "not ok - status page after SIGKILL: $(page '?json' | grep watch)"; st=1; }
	kill "$(cat "$run/httpd.pid")"
	[ $st -eq 0 ] || { tail -n 20 "$run/error_log"; cat "$run/watch.err"; }
	return $st
}

status=0
check_watch_status || status=1
check_bad_directive || status=1
check_socache_dependency || status=1
check_replay_getline || status=1
check_upload_engine || status=1
check_upload_yara || status=1
check_upload_clamd || status=1
for mpm in ${SG_APACHE_MPMS:-prefork event}; do
	check_upload_budget "$mpm" || status=1
	check_spool_quota "$mpm" || status=1
done
for mpm in ${SG_APACHE_MPMS:-prefork event}; do
	run_suite "$mpm" || status=1
	case " ${SG_APACHE_TEST_ARGS:-} " in
	*.t\ *) case " $SG_APACHE_TEST_ARGS " in
		*95_login.t*) check_fail2ban_filter "$mpm" || status=1 ;;
		*) echo "ok - fail2ban filter: skipped, 95_login.t did not run (SG_APACHE_TEST_ARGS)" ;;
		esac ;;
	*) check_fail2ban_filter "$mpm" || status=1 ;;
	esac
done
run=
[ $status -eq 0 ] && echo "== Apache::Test: all runs passed" || echo "== Apache::Test: FAILURES (see above)"
exit $status
