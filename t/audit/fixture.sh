# t/audit/fixture.sh: writes host trees for `spamgear audit --root`, sourced
# by the CLI cases (t/cli/cases/75*-audit-*.case) and t/audit/run.sh.
#
# audit_fixture ROOT writes a small hosting server that fails on purpose:
#  - PHP 8.2: cli, apache2 (hardened) and fpm php.ini (exec and system only
#    disabled, allow_url_include On, expose_php On, sendmail_path msmtp);
#    pools: site1 (own user, open_basedir, the other functions disabled in
#    the pool), www (www-data), and in one file shop and blog sharing the
#    user webshared;
#  - Apache: envvars (APACHE_RUN_USER=www-data), apache2.conf with Include,
#    Define and ${VAR}; proxy_fcgi loaded, spamgear available but not
#    enabled; vhosts site1 (FilesMatch SetHandler to the site1 socket),
#    shop (ProxyPassMatch to the shop socket, SpamGearUploadScan Off) and
#    legacy (the www socket); upload-like directories covered by the default
#    rules, by SpamGearNoExec On, exempted Off, and not covered;
#  - mail: Postfix main.cf without relayhost, no timer, no cron line, no
#    dnsbl.lists;
#  - spamgear: spamgear.conf, signatures 10 days old, ClamAV daily.cld
#    3 days old, state-dir 0755 (too open), quarantine 0700, last scan
#    2 days ago.
# The owner of the files is whoever runs the test: user site1 gets that uid
# and gid, so site1's directories are "writable by the site's user".
# ROOT must not exist yet or be empty.

# days_ago N FILE...: sets the mtime N days (and a minute) back.
days_ago() {
    local n=$1
    shift
    touch -d "@$(( $(date +%s) - n * 86400 - 60 ))" "$@"
}

audit_fixture() {
    local r=$1 uid gid
    uid=$(id -u)
    gid=$(id -g)
    mkdir -p "$r/etc" "$r/var/lib"
    cat > "$r/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/bash
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
site1:x:$uid:$gid::/srv/site1:/bin/sh
webshared:x:4242002:4242002::/srv/shared:/bin/sh
EOF
    audit_fixture_php "$r"
    audit_fixture_apache "$r"
    audit_fixture_mail "$r"
    audit_fixture_self "$r"
}

audit_fixture_php() {
    local r=$1 d=$1/etc/php/8.2
    mkdir -p "$d/cli" "$d/apache2" "$d/fpm/pool.d"
    cat > "$d/cli/php.ini" <<'EOF'
[PHP]
; the command line keeps every function
disable_functions =
allow_url_include = Off
EOF
    cat > "$d/apache2/php.ini" <<'EOF'
[PHP]
disable_functions = "exec,passthru,shell_exec,system,proc_open,popen,pcntl_exec"
expose_php = Off
allow_url_include = Off
[mail function]
sendmail_path = /usr/bin/msmtp -t
EOF
    cat > "$d/fpm/php.ini" <<'EOF'
[PHP]
disable_functions = exec, system ; the rest is in the pools
expose_php = On
allow_url_include = On
[mail function]
sendmail_path = "/usr/sbin/sendmail -t -i"
EOF
    cat > "$d/fpm/pool.d/site1.conf" <<'EOF'
[site1]
user = site1
group = site1
listen = /run/php/site1.sock
php_admin_value[disable_functions] = passthru,shell_exec,proc_open,popen,pcntl_exec
php_admin_value[open_basedir] = /srv/site1/:/tmp/
php_admin_flag[allow_url_include] = off
php_admin_flag[expose_php] = off
php_admin_value[sendmail_path] = /usr/bin/msmtp -t
EOF
    cat > "$d/fpm/pool.d/www.conf" <<'EOF'
[www]
user = www-data
group = www-data
listen = /run/php/php8.2-fpm.sock
EOF
    cat > "$d/fpm/pool.d/shared.conf" <<'EOF'
; two sites, one user: what the audit is for
[shop]
user = webshared
listen = /run/php/shop.sock
php_admin_value[open_basedir] = /srv/shop/:/tmp/

[blog]
user = webshared
listen = 127.0.0.1:9001
EOF
}

audit_fixture_apache() {
    local r=$1 a=$1/etc/apache2
    mkdir -p "$a/mods-enabled" "$a/mods-available" "$a/conf-enabled" "$a/conf-available" \
        "$a/sites-enabled"
    cat > "$a/envvars" <<'EOF'
unset HOME
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export APACHE_LOG_DIR=/var/log/apache2$SUFFIX
EOF
    cat > "$a/apache2.conf" <<'EOF'
# the layout of Debian's apache2.conf
Define SITES /srv
User ${APACHE_RUN_USER}
Group ${APACHE_RUN_GROUP}
IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf
Include ports.conf
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory ${SITES}/>
	Require all granted
</Directory>
IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/*.conf
EOF
    echo 'Listen 80' > "$a/ports.conf"
    echo 'LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so' > "$a/mods-enabled/proxy.load"
    echo 'LoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so' \
        > "$a/mods-enabled/proxy_fcgi.load"
    echo 'LoadModule spamgear_module /usr/lib/apache2/modules/mod_spamgear.so' \
        > "$a/mods-available/spamgear.load"
    cat > "$a/sites-enabled/site1.conf" <<'EOF'
<VirtualHost *:80>
    ServerName site1.example
    DocumentRoot ${SITES}/site1/htdocs
    <FilesMatch "\.php$">
        SetHandler "proxy:unix:/run/php/site1.sock|fcgi://localhost"
    </FilesMatch>
    <Directory "/srv/site1/htdocs/media">
        SpamGearNoExec On
    </Directory>
    <Directory /srv/site1/htdocs/app/cache>
        # the application's compiled templates must run
        SpamGearNoExec Off
    </Directory>
</VirtualHost>
EOF
    cat > "$a/sites-enabled/shop.conf" <<'EOF'
<VirtualHost *:80>
    ServerName shop.example
    DocumentRoot /srv/shop
    ProxyPassMatch "^/(.*\.php(/.*)?)$" "unix:/run/php/shop.sock|fcgi://localhost/srv/shop/"
    SpamGearUploadScan Off
</VirtualHost>
EOF
    cat > "$a/sites-enabled/legacy.conf" <<'EOF'
<VirtualHost *:80>
    ServerName legacy.example
    DocumentRoot /srv/legacy
    <FilesMatch ".+\.ph(ar|p|tml)$">
        SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"
    </FilesMatch>
</VirtualHost>
EOF
    mkdir -p "$r/srv/site1/htdocs/wp-content/uploads" "$r/srv/site1/htdocs/media" \
        "$r/srv/site1/htdocs/files" "$r/srv/site1/htdocs/data/temp" \
        "$r/srv/site1/htdocs/app/cache" "$r/srv/site1/htdocs/css" \
        "$r/srv/shop/images" "$r/srv/shop/tmp" "$r/srv/legacy"
    chmod 755 "$r/srv/site1/htdocs/"* "$r/srv/site1/htdocs/data/temp" "$r/srv/shop/tmp"
    # shop runs as webshared: its tmp (the tester's, 0755) is not writable
    # by it, its images are (world-writable)
    chmod 1777 "$r/srv/shop/images"
}

audit_fixture_mail() {
    local r=$1
    mkdir -p "$r/etc/postfix" "$r/etc/cron.d" "$r/etc/systemd/system/multi-user.target.wants"
    cat > "$r/etc/postfix/main.cf" <<'EOF'
myhostname = mx.example
relayhost =
EOF
    cat > "$r/etc/cron.d/spamgear" <<'EOF'
# the mail check is commented out
#*/20 * * * *   root  spamgear mail postfix
47 4   * * 0   root  nice -n 19 spamgear scan /home /var/www
EOF
}

# spamgear's own directories are where this build looks for them: its
# configured sysconfdir and localstatedir (SYSCONFDIR, LOCALSTATEDIR from
# run-cases.sh and t/audit/run.sh; /etc and /var by default).
audit_fixture_self() {
    local r=$1 etc=$1${SYSCONFDIR:-/etc}/spamgear state=$1${LOCALSTATEDIR:-/var}/lib/spamgear
    mkdir -p "$etc/signatures" "$r/var/lib/clamav" "$state/quarantine"
    cat > "$etc/spamgear.conf" <<'EOF'
# spamgear.conf of the fixture host
clamav engine /var/lib/clamav
EOF
    echo 'sig' > "$etc/signatures/php-backdoors.sigs"
    days_ago 10 "$etc/signatures/php-backdoors.sigs"
    echo 'db' > "$r/var/lib/clamav/daily.cld"
    days_ago 3 "$r/var/lib/clamav/daily.cld"
    chmod 0755 "$state"
    chmod 0700 "$state/quarantine"
    echo "$(( $(date +%s) - 2 * 86400 - 60 )) files=10 found=0 errors=0" \
        > "$state/last-scan"
}
