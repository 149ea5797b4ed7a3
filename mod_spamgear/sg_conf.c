/* sg_conf.c: the tool's "key value" config file, strictly checked. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include "sg_conf.h"
#include "sg_emergency.h"
#include "sg_log.h"
#include "sg_proc.h"
#include "sg_quarantine.h"
#include "sg_units.h"
#include "sg_update.h"

const sg_conf_key_t sg_conf_keys[] = {
    { "log-level", SG_CONF_LEVEL, "warn",
      "least severe message printed on stderr (error, warn, notice, info, debug)", 0 },
    { "signatures", SG_CONF_PATH, SG_SIGNATURES_DEFAULT_DIR,
      "directory of spamgear signature files", 0 },
    { "clamav", SG_CONF_CLAMAV, "engine /var/lib/clamav",
      "ClamAV backend: off, engine [DBDIR], socket PATH or tcp HOST:PORT", 0 },
    { "quarantine", SG_CONF_PATH, SG_QUARANTINE_DEFAULT_DIR,
      "where quarantined files and their records are kept", 0 },
    { "state-dir", SG_CONF_PATH, SG_STATE_DEFAULT_DIR,
      "where incremental runs keep their state", 0 },
    { "max-file-size", SG_CONF_SIZE, "16M",
      "files larger than this are skipped by scans", 0 },
    { "scan-budget", SG_CONF_INTERVAL, "1s",
      "CPU time scan and inspect may spend on one file (0: no limit); a file that needs "
      "more is reported as Scan.BudgetExceeded", 0 },
    { "yara-rules", SG_CONF_NSPATH, NULL,
      "YARA rules to match besides the signature directory's *.yar and *.yara: a file or a "
      "directory, NAMESPACE:PATH for a namespace; repeatable", 1 },
    { "scan-cache", SG_CONF_PATH, NULL,
      "scan keeps verdicts in this directory (LMDB) and skips files unchanged since a clean "
      "one; none: no cache", 0 },
    { "cache-store", SG_CONF_STRING, NULL,
      "fleet layer of the verdict cache: content verdicts shared in redis:HOST:PORT or "
      "memcache:HOST:PORT (the bans' store); no default", 0 },
    { "watch", SG_CONF_PATH, NULL,
      "a tree spamgear watch scans as files are written (repeatable; default /home and "
      "/var/www)", 1 },
    { "watch-log", SG_CONF_PATH, NULL,
      "spamgear watch appends its findings here as JSON lines (default: stdout, as text)", 0 },
    { "watch-queue", SG_CONF_UINT, "65536",
      "files spamgear watch lets wait for a scan; beyond, their directories are rescanned "
      "later", 0 },
    { "watch-rate", SG_CONF_UINT, "0",
      "files per second spamgear watch scans at most (0: no cap)", 0 },
    { "watch-notify-every", SG_CONF_DURATION, "5min",
      "spamgear watch --notify-user mails what it found at most this often", 0 },
    { "watch-nice", SG_CONF_UINT, "10",
      "spamgear watch's nice value (0-19; above 0 its I/O priority is lowered too)", 0 },
    { "watch-prevent", SG_CONF_BOOL, "no",
      "yes: spamgear watch also refuses opens of script files with a malicious verdict "
      "(as --prevent; fanotify permission events)", 0 },
    { "watch-prevent-timeout", SG_CONF_INTERVAL, "200ms",
      "spamgear watch --prevent holds an open of an unknown script file at most this long "
      "while it scans it; then the open is allowed and the file queued (0: never held)", 0 },
    { "watch-prevent-exempt", SG_CONF_STRING, NULL,
      "programs whose opens spamgear watch --prevent never holds when they run as root: "
      "names (as in /proc/PID/comm) or absolute paths, blank-separated", 0 },
    { "whitelist", SG_CONF_PATH, NULL,
      "known-good list (SHA-256 of pristine files, one per line) that silences findings", 0 },
    { "mail-period", SG_CONF_DURATION, "1hour",
      "window the mail-log checks count over", 0 },
    { "mail-max", SG_CONF_UINT, "90",
      "messages per window that make an account a suspect", 0 },
    { "emergency-smtp", SG_CONF_SMTP, NULL,
      "external server for emergency-mail: smtp[s]://HOST[:PORT] from=ADDR to=ADDR[,ADDR] "
      "[starttls=required|optional] [user=NAME password-file=PATH] [cacert=PATH]; repeatable", 1 },
    { "emergency-threshold", SG_CONF_UINT, "100",
      "emergency-mail sends only when the local queue holds more messages than this", 0 },
    { "emergency-queue", SG_CONF_QUEUE, "auto",
      "how emergency-mail sizes the queue: auto, postfix (postqueue -j) or exim (exim -bpc)", 0 },
    { "emergency-queue-command", SG_CONF_COMMAND, NULL,
      "run this instead of postqueue -j / exim -bpc (no shell; output as emergency-queue)", 0 },
    { "emergency-timeout", SG_CONF_DURATION, "30",
      "emergency-mail gives up on a queue command or SMTP server after this long", 0 },
    { "ps-uids", SG_CONF_UIDS, "1000-60000",
      "ps checks processes of these uids: N or FIRST-LAST, comma-separated, or none", 0 },
    { "ps-users", SG_CONF_USERS, "www-data",
      "ps also checks processes of these users (names, comma-separated, or none)", 0 },
    { "ps-allow-exe", SG_CONF_GLOBS,
      "/usr/sbin/apache2 /usr/sbin/php-fpm* /usr/bin/php* /usr/sbin/cron",
      "ps never reports programs matching these absolute path patterns (blank-separated)", 0 },
    { "update-source", SG_CONF_SOURCE, NULL,
      "where update gets signatures: https://HOST/PATH/MANIFEST (\"SHA256  FILENAME\" lines) "
      "or https://HOST/PATH/FILE sha256=HEX, [cacert=PATH]; repeatable", 1 },
    { "update-timeout", SG_CONF_DURATION, "5min",
      "update gives up on one download (manifest or file) after this long", 0 },
    { "update-max-size", SG_CONF_SIZE, "64M",
      "update refuses a downloaded signature file larger than this", 0 },
    { "update-graceful-command", SG_CONF_COMMAND, "/usr/sbin/apachectl graceful",
      "what update --graceful runs after installing new signatures (no shell)", 0 },
    { "sites-roots", SG_CONF_PATH, NULL,
      "where sites looks for web applications: a directory or glob pattern (/home/*/www); "
      "repeatable; unset: Apache's DocumentRoots and HOMES/*/public_html", 1 },
    { "sites-homes", SG_CONF_PATH, "/home",
      "directory of the accounts' homes: sites under DIR/USER/ belong to USER, and "
      "DIR/*/public_html is a default root; repeatable (/home2, /home3)", 1 },
    { "sites-apache-config", SG_CONF_PATH, "/etc/apache2/apache2.conf",
      "the Apache config whose DocumentRoots sites searches when sites-roots is unset "
      "(Include and IncludeOptional followed)", 0 },
    { "audit-signatures-warn", SG_CONF_DURATION, "7d",
      "audit WARNs when the newest signature file is older than this", 0 },
    { "audit-signatures-fail", SG_CONF_DURATION, "30d",
      "audit FAILs when the newest signature file is older than this", 0 },
    { "audit-clamav-warn", SG_CONF_DURATION, "2d",
      "audit WARNs when ClamAV's daily database is older than this", 0 },
    { "audit-clamav-fail", SG_CONF_DURATION, "7d",
      "audit FAILs when ClamAV's daily database is older than this", 0 },
    { "audit-scan-warn", SG_CONF_DURATION, "8d",
      "audit WARNs when the last full scan is older than this", 0 },
    { NULL, SG_CONF_STRING, NULL, NULL, 0 }
};

sg_conf_t *sg_conf_create(apr_pool_t *p)
{
    sg_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->values = apr_hash_make(p);
    conf->lines = apr_hash_make(p);
    conf->lists = apr_hash_make(p);
    return conf;
}

const sg_conf_key_t *sg_conf_key(const char *name)
{
    const sg_conf_key_t *key;

    for (key = sg_conf_keys; key->name; key++) {
        if (!strcmp(key->name, name)) {
            return key;
        }
    }
    return NULL;
}

static const char *check_clamav(const char *value, apr_pool_t *p)
{
    char *copy = apr_pstrdup(p, value), *last, *mode, *arg, *extra;

    mode = apr_strtok(copy, " \t", &last);
    arg = apr_strtok(NULL, " \t", &last);
    extra = apr_strtok(NULL, " \t", &last);
    if (extra) {
        return "too many words (expected: off, engine [DBDIR], socket PATH or tcp HOST:PORT)";
    }
    if (!strcmp(mode, "off")) {
        return arg ? "'off' takes no argument" : NULL;
    }
    if (!strcmp(mode, "engine")) {
        return (arg && arg[0] != '/') ? "engine DBDIR must be an absolute path" : NULL;
    }
    if (!strcmp(mode, "socket")) {
        return (!arg || arg[0] != '/') ? "socket needs an absolute PATH" : NULL;
    }
    if (!strcmp(mode, "tcp")) {
        const char *colon = arg ? strrchr(arg, ':') : NULL;
        int port = colon ? atoi(colon + 1) : 0;
        return (!colon || colon == arg || port < 1 || port > 65535)
                   ? "tcp needs HOST:PORT with a port from 1 to 65535" : NULL;
    }
    return apr_psprintf(p, "unknown ClamAV mode '%s' (expected off, engine, socket or tcp)", mode);
}

static const char *check_command(const char *value)
{
    const char *c;

    if (value[0] != '/') {
        return "the program must be an absolute path (no shell, no PATH search)";
    }
    for (c = value; *c; c++) {
        if ((unsigned char)*c < 0x20 && *c != '\t') {
            return "control character in the command";
        }
    }
    return NULL;
}

const char *sg_conf_check_value(const sg_conf_key_t *key, const char *value, apr_pool_t *p)
{
    apr_int64_t n;
    apr_interval_time_t t;
    const char *c, *problem = NULL;
    sg_smtp_server_t *server;
    apr_array_header_t *list;
    sg_update_source_t *source;

    if (!*value) {
        return "missing value";
    }
    switch (key->type) {
    case SG_CONF_STRING:
        return NULL;
    case SG_CONF_PATH:
        return value[0] == '/' ? NULL : "must be an absolute path";
    case SG_CONF_UINT:
        for (c = value; *c; c++) {
            if (!isdigit((unsigned char)*c) || c - value > 9) {
                return "must be a whole number below 10^10";
            }
        }
        return NULL;
    case SG_CONF_DURATION:
        return sg_parse_duration(value, &n) == APR_SUCCESS
                   ? NULL : "not a duration (examples: 90, 30min, 1hour, 2d)";
    case SG_CONF_INTERVAL:
        return sg_parse_interval(value, &t) == APR_SUCCESS
                   ? NULL : "not a time (examples: 1s, 250ms, 50us; 0: no limit)";
    case SG_CONF_SIZE:
        return sg_parse_size(value, &n) == APR_SUCCESS
                   ? NULL : "not a size (examples: 4096, 512k, 16M)";
    case SG_CONF_LEVEL:
        return sg_log_level_parse(value) >= 0
                   ? NULL : "not a log level (error, warn, notice, info, debug)";
    case SG_CONF_CLAMAV:
        return check_clamav(value, p);
    case SG_CONF_SMTP:
        return sg_smtp_server_parse(value, p, &server, &problem) == APR_SUCCESS ? NULL : problem;
    case SG_CONF_QUEUE:
        return (!strcmp(value, "auto") || !strcmp(value, "postfix") || !strcmp(value, "exim"))
                   ? NULL : "not a queue kind (auto, postfix, exim)";
    case SG_CONF_COMMAND:
        return check_command(value);
    case SG_CONF_UIDS:
        return sg_proc_parse_uids(value, &list, p, &problem) == APR_SUCCESS ? NULL : problem;
    case SG_CONF_USERS:
        return sg_proc_parse_names(value, &list, p, &problem) == APR_SUCCESS ? NULL : problem;
    case SG_CONF_GLOBS:
        return sg_proc_parse_globs(value, &list, p, &problem) == APR_SUCCESS ? NULL : problem;
    case SG_CONF_SOURCE:
        return sg_update_source_parse(value, p, &source, &problem) == APR_SUCCESS ? NULL : problem;
    case SG_CONF_BOOL:
        return !strcmp(value, "yes") || !strcmp(value, "no") ? NULL : "not yes or no";
    case SG_CONF_NSPATH:
        /* the namespace as host/sg_yara.c splits it: an identifier */
        for (c = value; isalnum((unsigned char)*c) || *c == '_'; c++) continue;
        if (*c == ':' && c > value && !isdigit((unsigned char)*value)) c++;
        else c = value;
        return *c == '/' ? NULL : "must be an absolute path, after an optional NAMESPACE:";
    }
    return "unsupported key type";
}

/* Splits LINE (modified in place) into key and value; returns 0 when blank. */
static int split_line(char *line, char **key, char **value)
{
    char *end, *v;

    while (isspace((unsigned char)*line)) {
        line++;
    }
    if (!*line || *line == '#') {
        return 0;
    }
    end = line + strlen(line);
    while (end > line && isspace((unsigned char)end[-1])) {
        *--end = '\0';
    }
    v = line + strcspn(line, " \t=");
    *key = line;
    if (*v) {
        *v++ = '\0';
        v += strspn(v, " \t");
        if (*v == '=') {
            v++;
            v += strspn(v, " \t");
        }
    }
    *value = v;
    return 1;
}

/* Appends one value of a repeatable key; the first one also sets values/lines. */
static apr_status_t add_entry(sg_conf_t *conf, const sg_conf_key_t *key, const char *value,
                              int lineno, apr_pool_t *p, sg_result_t *res)
{
    apr_array_header_t *list = apr_hash_get(conf->lists, key->name, APR_HASH_KEY_STRING);
    sg_conf_entry_t *entry;
    int *where;

    if (!list) {
        list = apr_array_make(p, 4, sizeof(sg_conf_entry_t));
        apr_hash_set(conf->lists, key->name, APR_HASH_KEY_STRING, list);
        where = apr_palloc(p, sizeof(*where));
        *where = lineno;
        apr_hash_set(conf->values, key->name, APR_HASH_KEY_STRING, apr_pstrdup(p, value));
        apr_hash_set(conf->lines, key->name, APR_HASH_KEY_STRING, where);
    }
    if (list->nelts >= SG_CONF_MAX_REPEAT) {
        return sg_result_set(res, p, APR_EINVAL, "%s:%d: '%s' given more than %d times",
                             conf->path, lineno, key->name, SG_CONF_MAX_REPEAT);
    }
    entry = apr_array_push(list);
    entry->value = apr_pstrdup(p, value);
    entry->line = lineno;
    return APR_SUCCESS;
}

static apr_status_t store_line(sg_conf_t *conf, char *line, int lineno, apr_pool_t *p,
                               sg_result_t *res)
{
    char *name, *value;
    const sg_conf_key_t *key;
    const char *problem;
    int *where;

    if (!split_line(line, &name, &value)) {
        return APR_SUCCESS;
    }
    key = sg_conf_key(name);
    if (!key) {
        return sg_result_set(res, p, APR_EINVAL, "%s:%d: unknown key '%s'", conf->path,
                             lineno, name);
    }
    if ((where = apr_hash_get(conf->lines, key->name, APR_HASH_KEY_STRING))
        && !key->repeatable) {
        return sg_result_set(res, p, APR_EINVAL, "%s:%d: '%s' is already set on line %d",
                             conf->path, lineno, key->name, *where);
    }
    if ((problem = sg_conf_check_value(key, value, p))) {
        return sg_result_set(res, p, APR_EINVAL, "%s:%d: %s: %s", conf->path, lineno,
                             key->name, problem);
    }
    if (key->repeatable) {
        return add_entry(conf, key, value, lineno, p, res);
    }
    where = apr_palloc(p, sizeof(*where));
    *where = lineno;
    apr_hash_set(conf->values, key->name, APR_HASH_KEY_STRING, apr_pstrdup(p, value));
    apr_hash_set(conf->lines, key->name, APR_HASH_KEY_STRING, where);
    return APR_SUCCESS;
}

/* Reads all of F (at most SG_CONF_MAX_BYTES + 1) into *DATA. */
static apr_status_t slurp(apr_file_t *f, char **data, apr_size_t *len, apr_pool_t *p)
{
    apr_status_t rv;

    *data = apr_palloc(p, SG_CONF_MAX_BYTES + 2);
    rv = apr_file_read_full(f, *data, SG_CONF_MAX_BYTES + 1, len);
    return rv == APR_EOF ? APR_SUCCESS : rv;
}

/* Checks and stores every line of DATA[0..LEN) (modified in place). */
static apr_status_t store_lines(sg_conf_t *conf, char *data, apr_size_t len, apr_pool_t *p,
                                sg_result_t *res)
{
    char *line = data, *end = data + len;
    int lineno = 0;
    apr_status_t rv = APR_SUCCESS;

    while (line < end && rv == APR_SUCCESS) {
        char *nl = memchr(line, '\n', (apr_size_t)(end - line));
        apr_size_t llen = nl ? (apr_size_t)(nl - line) : (apr_size_t)(end - line);
        if (++lineno > SG_CONF_MAX_LINES) {
            return sg_result_set(res, p, APR_EINVAL, "%s:%d: more than %d lines", conf->path,
                                 lineno, SG_CONF_MAX_LINES);
        }
        if (llen > SG_CONF_MAX_LINE) {
            return sg_result_set(res, p, APR_EINVAL, "%s:%d: line longer than %d bytes",
                                 conf->path, lineno, SG_CONF_MAX_LINE);
        }
        if (memchr(line, '\0', llen)) {
            return sg_result_set(res, p, APR_EINVAL, "%s:%d: NUL byte in line (binary file?)",
                                 conf->path, lineno);
        }
        line[llen] = '\0';
        rv = store_line(conf, line, lineno, p, res);
        line += llen + 1;
    }
    return rv;
}

apr_status_t sg_conf_read(sg_conf_t *conf, const char *path, int missing_ok,
                          apr_pool_t *p, sg_result_t *res)
{
    apr_file_t *f = NULL;
    apr_finfo_t finfo;
    char *data;
    apr_size_t len = 0;
    apr_status_t rv;

    conf->path = apr_pstrdup(p, path);
    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS) {
        if (missing_ok && APR_STATUS_IS_ENOENT(rv)) {
            conf->path = NULL;
            return APR_SUCCESS;
        }
        return sg_result_set(res, p, rv, "%s: cannot open: %pm", path, &rv);
    }
    if (apr_file_info_get(&finfo, APR_FINFO_TYPE, f) == APR_SUCCESS
        && finfo.filetype == APR_DIR) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s: is a directory, not a config file", path);
        goto cleanup;
    }
    if ((rv = slurp(f, &data, &len, p)) != APR_SUCCESS) {
        rv = sg_result_set(res, p, rv, "%s: read error: %pm", path, &rv);
        goto cleanup;
    }
    if (len > SG_CONF_MAX_BYTES) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s: larger than %d bytes", path,
                           SG_CONF_MAX_BYTES);
        goto cleanup;
    }
    rv = store_lines(conf, data, len, p, res);
cleanup:
    apr_file_close(f);
    return rv;
}

const char *sg_conf_get(const sg_conf_t *conf, const char *name)
{
    const char *value = apr_hash_get(conf->values, name, APR_HASH_KEY_STRING);
    const sg_conf_key_t *key;

    if (value) {
        return value;
    }
    key = sg_conf_key(name);
    return key ? key->fallback : NULL;
}

int sg_conf_line(const sg_conf_t *conf, const char *name)
{
    int *where = apr_hash_get(conf->lines, name, APR_HASH_KEY_STRING);

    return where ? *where : 0;
}

const apr_array_header_t *sg_conf_get_all(const sg_conf_t *conf, const char *name)
{
    return apr_hash_get(conf->lists, name, APR_HASH_KEY_STRING);
}
