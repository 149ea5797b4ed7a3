/*
 * audit_self.c: spamgear's own state: signature and ClamAV database age,
 * the quarantine and state directories' owner and mode, the last full scan.
 *
 * With --root, the owner of the --root directory stands for root (a tree
 * written by a test is not root's), so fixes and checks agree there.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include "audit.h"
#include "sg_units.h"

#define LAST_SCAN_FILE "last-scan"    /* in state-dir, written by spamgear scan */

/* Config key KEY as seconds (its value was checked when the file was read). */
static apr_int64_t seconds(audit_t *a, const char *key)
{
    apr_int64_t s = 0;

    sg_parse_duration(sg_conf_get(a->cli->conf, key), &s);
    return s;
}

static const char *age_text(audit_t *a, apr_int64_t age)
{
    if (age >= 86400) return apr_psprintf(a->pool, "%" APR_INT64_T_FMT " days", age / 86400);
    if (age >= 3600) return apr_psprintf(a->pool, "%" APR_INT64_T_FMT " hours", age / 3600);
    return "less than an hour";
}

/* The newest mtime of the regular files in DIR matching one of NAMES (NULL:
 * any), in seconds since the epoch; 0 when there is none. */
static apr_int64_t newest(audit_t *a, const char *dir, const char *const *names)
{
    apr_array_header_t *files = audit_glob(a, apr_pstrcat(a->pool, dir, "/*", NULL), a->pool);
    apr_int64_t best = 0;
    struct stat st;
    int i, k;

    for (i = 0; i < files->nelts; i++) {
        const char *f = APR_ARRAY_IDX(files, i, const char *), *base = strrchr(f, '/') + 1;
        for (k = 0; names && names[k] && strcmp(names[k], base); k++) {
        }
        if ((names && !names[k]) || stat(f, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if ((apr_int64_t)st.st_mtime > best) best = (apr_int64_t)st.st_mtime;
    }
    return best;
}

/* One age check: WARN over WARN_KEY, FAIL over FAIL_KEY (or missing). */
static void check_age(audit_t *a, const char *id, const char *subject, apr_int64_t mtime,
                      const char *warn_key, const char *fail_key, const char *fix)
{
    apr_int64_t age = (apr_int64_t)apr_time_sec(apr_time_now()) - mtime;
    audit_status_t st = AUDIT_PASS;

    if (!mtime) {
        audit_add(a, id, AUDIT_FAIL, subject, "no files", NULL, NULL, fix);
        return;
    }
    if (age > seconds(a, fail_key)) st = AUDIT_FAIL;
    else if (age > seconds(a, warn_key)) st = AUDIT_WARN;
    audit_add(a, id, st, subject, apr_psprintf(a->pool, "newest file is %s old (%s %s, %s %s)",
              age_text(a, age < 0 ? 0 : age), warn_key, sg_conf_get(a->cli->conf, warn_key),
              fail_key, sg_conf_get(a->cli->conf, fail_key)), NULL, NULL, fix);
}

static void check_signatures(audit_t *a)
{
    const char *dir = audit_path(a, sg_conf_get(a->cli->conf, "signatures"));

    check_age(a, "spamgear.signatures", dir, newest(a, dir, NULL), "audit-signatures-warn",
              "audit-signatures-fail", "spamgear update");
}

static void check_clamav(audit_t *a)
{
    static const char *const dbs[] = { "daily.cvd", "daily.cld", NULL };
    const char *mode = sg_conf_get(a->cli->conf, "clamav"), *dir = "/var/lib/clamav";

    if (!strcmp(mode, "off")) {
        audit_add(a, "spamgear.clamav", AUDIT_PASS, "clamav", "off in the config: not checked",
                  NULL, NULL, NULL);
        return;
    }
    if (!strncmp(mode, "engine ", 7)) dir = mode + 7;
    dir = audit_path(a, dir);
    check_age(a, "spamgear.clamav", dir, newest(a, dir, dbs), "audit-clamav-warn",
              "audit-clamav-fail", "freshclam");
}

/* The owner expected of spamgear's directories: root, or --root's owner. */
static void expected_owner(audit_t *a, long *uid, long *gid)
{
    struct stat st;

    *uid = *gid = 0;
    if (!a->live && stat(a->root, &st) == 0) {
        *uid = (long)st.st_uid;
        *gid = (long)st.st_gid;
    }
}

/* DIR must be owned by root and have no MASK bits (group/other access). */
static void check_dir(audit_t *a, const char *id, const char *key, mode_t mask,
                      const char *chmod_arg)
{
    const char *dir = audit_path(a, sg_conf_get(a->cli->conf, key)), *fix = NULL, *found;
    struct stat st;
    long uid, gid, web_gid = -1;

    expected_owner(a, &uid, &gid);
    if (lstat(dir, &st) != 0) {
        audit_add(a, id, AUDIT_PASS, dir, "absent (nothing kept yet)", NULL, NULL, NULL);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        audit_add(a, id, AUDIT_FAIL, dir, "not a directory", NULL, NULL,
                  apr_psprintf(a->pool, "mv %s %s", audit_shq(a->pool, dir),
                               audit_shq(a->pool, apr_pstrcat(a->pool, dir, ".not-a-dir",
                                                              NULL))));
        return;
    }
    found = (long)st.st_uid == uid
                ? apr_psprintf(a->pool, "owner root, mode %04o", (unsigned)(st.st_mode & 07777))
                : apr_psprintf(a->pool, "owner uid %ld, not root; mode %04o", (long)st.st_uid,
                               (unsigned)(st.st_mode & 07777));
    if (mask == 077 && (st.st_mode & 07777) == 01770 && (long)st.st_uid == uid
        && audit_user(a, a->web_user, NULL, &web_gid, NULL) == 0 && (long)st.st_gid == web_gid) {
        /* the package's layout for SpamGearUploadKeep (doc/module.md) */
        found = apr_pstrcat(a->pool, found, ", the web server's group may add entries", NULL);
    }
    else if ((long)st.st_uid != uid) {
        fix = apr_psprintf(a->pool, "chown %ld:%ld %s && chmod %s %s", uid, gid,
                           audit_shq(a->pool, dir), chmod_arg, audit_shq(a->pool, dir));
    }
    else if (st.st_mode & mask) {
        fix = apr_psprintf(a->pool, "chmod %s %s", chmod_arg, audit_shq(a->pool, dir));
    }
    audit_add(a, id, fix ? AUDIT_FAIL : AUDIT_PASS, dir, found, NULL, NULL, fix);
}

static void check_last_scan(audit_t *a)
{
    const char *file = audit_path(a, apr_pstrcat(a->pool, sg_conf_get(a->cli->conf, "state-dir"),
                                                 "/" LAST_SCAN_FILE, NULL));
    apr_int64_t when = 0, age, limit = seconds(a, "audit-scan-warn");
    char buf[64];
    apr_file_t *f;
    apr_size_t n = sizeof(buf) - 1;

    if (apr_file_open(&f, file, APR_FOPEN_READ, 0, a->pool) == APR_SUCCESS) {
        if (apr_file_read(f, buf, &n) == APR_SUCCESS) {
            buf[n] = '\0';
            when = apr_atoi64(buf);
        }
        apr_file_close(f);
    }
    if (when <= 0) {
        audit_add(a, "spamgear.last_scan", AUDIT_WARN, file, "no full scan recorded",
                  NULL, NULL, "spamgear scan /home /var/www");
        return;
    }
    age = (apr_int64_t)apr_time_sec(apr_time_now()) - when;
    audit_add(a, "spamgear.last_scan", age > limit ? AUDIT_WARN : AUDIT_PASS, file,
              apr_psprintf(a->pool, "last full scan %s ago (audit-scan-warn %s)",
                           age_text(a, age < 0 ? 0 : age), sg_conf_get(a->cli->conf,
                                                                     "audit-scan-warn")),
              NULL, NULL, "spamgear scan /home /var/www");
}

void audit_self_check(audit_t *a)
{
    check_signatures(a);
    check_clamav(a);
    check_dir(a, "spamgear.quarantine", "quarantine", 077, "0700");
    check_dir(a, "spamgear.state_dir", "state-dir", 066, "go-rw");
    check_last_scan(a);
}
