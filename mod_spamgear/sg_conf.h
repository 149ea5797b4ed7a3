#ifndef SG_CONF_H
#define SG_CONF_H
/*
 * The spamgear tool's config file (/etc/spamgear/spamgear.conf).
 *
 * Format: one "key value" (or "key = value") per line; '#' starts a comment
 * line; blank lines are ignored; a key may appear once unless the table marks
 * it repeatable (each line then adds one value, e.g. one emergency-smtp server
 * per line).  Every key is known to the table below with its type, so a typo or
 * a bad value is an error that names FILE:LINE, never a silent default.
 */
#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_tables.h>
#include "sg_result.h"

#define SG_CONF_MAX_LINE 4096   /* longer lines are an error, not truncated */
#define SG_CONF_MAX_LINES 10000 /* a config file is never this long */
#define SG_CONF_MAX_BYTES (1024 * 1024) /* nor this large */

typedef enum {
    SG_CONF_STRING,     /* any non-empty text */
    SG_CONF_PATH,       /* absolute path */
    SG_CONF_UINT,       /* decimal number >= 0 */
    SG_CONF_DURATION,   /* "30min", "1hour", ... (sg_parse_duration) */
    SG_CONF_SIZE,       /* "512k", "10M", ... (sg_parse_size) */
    SG_CONF_LEVEL,      /* a log level name */
    SG_CONF_CLAMAV,     /* off | engine [DBDIR] | socket PATH | tcp HOST:PORT */
    SG_CONF_SMTP,       /* an emergency SMTP server (sg_smtp_server_parse) */
    SG_CONF_QUEUE,      /* auto | postfix | exim */
    SG_CONF_COMMAND,    /* absolute program path, then arguments split at blanks */
    SG_CONF_UIDS,       /* uids and FIRST-LAST ranges, or none (sg_proc_parse_uids) */
    SG_CONF_USERS,      /* user names, or none (sg_proc_parse_names) */
    SG_CONF_GLOBS       /* absolute path patterns, or none (sg_proc_parse_globs) */,
    SG_CONF_SOURCE,     /* a signature update source (sg_update_source_parse) */
    SG_CONF_INTERVAL,   /* "1s", "250ms", "50us", 0 (sg_parse_interval) */
    SG_CONF_NSPATH,     /* an absolute path, after an optional "NAMESPACE:" */
    SG_CONF_BOOL        /* yes | no */
} sg_conf_type_t;

#define SG_CONF_MAX_REPEAT 32   /* values one repeatable key may collect */

typedef struct sg_conf_key_t {
    const char *name;       /* as written in the file */
    sg_conf_type_t type;    /* how the value is checked */
    const char *fallback;   /* value when the file does not set it */
    const char *help;       /* one line for check-config --dump and the man page */
    int repeatable;         /* 1: may appear on several lines, each adds a value */
} sg_conf_key_t;

/* One value of a repeatable key, with the line that set it. */
typedef struct sg_conf_entry_t {
    const char *value;      /* the text after the key */
    int line;               /* line number in conf->path */
} sg_conf_entry_t;

/* Every key the file may set, terminated by a NULL name. */
extern const sg_conf_key_t sg_conf_keys[];

typedef struct sg_conf_t {
    const char *path;       /* file read, or NULL when only defaults are in use */
    apr_hash_t *values;     /* key name -> value text, for keys the file set */
    apr_hash_t *lines;      /* key name -> (int *) line number where it was (first) set */
    apr_hash_t *lists;      /* repeatable key name -> array of sg_conf_entry_t, file order */
} sg_conf_t;

/* Creates a config holding only the defaults. */
sg_conf_t *sg_conf_create(apr_pool_t *p);

/* Reads PATH into CONF.  A missing file is fine when MISSING_OK; every other
 * problem returns APR_EINVAL (or the I/O status) with RES->problem set to
 * "PATH:LINE: what is wrong". */
apr_status_t sg_conf_read(sg_conf_t *conf, const char *path, int missing_ok,
                          apr_pool_t *p, sg_result_t *res);

/* Checks one VALUE for key KEY; NULL when fine, else why not (from P). */
const char *sg_conf_check_value(const sg_conf_key_t *key, const char *value, apr_pool_t *p);

/* Looks a key up in the table; NULL when unknown. */
const sg_conf_key_t *sg_conf_key(const char *name);

/* The value in force for NAME: the file's (the first one for a repeatable
 * key), else the default (may be NULL). */
const char *sg_conf_get(const sg_conf_t *conf, const char *name);

/* Line where NAME was set, or 0 when it comes from the defaults. */
int sg_conf_line(const sg_conf_t *conf, const char *name);

/* Every value of NAME in file order, as sg_conf_entry_t; NULL when the file
 * did not set it.  The array belongs to CONF. */
const apr_array_header_t *sg_conf_get_all(const sg_conf_t *conf, const char *name);

#endif /* SG_CONF_H */
