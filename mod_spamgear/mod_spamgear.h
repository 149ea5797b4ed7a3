#ifndef MOD_SPAMGEAR_H
#define MOD_SPAMGEAR_H
/* mod_spamgear: httpd glue shared by the mod_spamgear*.c files. */
#include <httpd.h>
#include <http_config.h>
#include <apr_tables.h>
#include "sg_noexec.h"
#include "sg_regex.h"

#define SG_UNSET (-1)

typedef enum {
    SG_SCOPE_UNSET = -1,
    SG_SCOPE_SERVER = 0,   /* a ban applies on the vhost that made it */
    SG_SCOPE_GLOBAL = 1    /* a ban applies on every vhost */
} sg_scope_t;

/* Login counting and bans of one server (every field may be unset until
 * sg_config_finish fills in the defaults). */
typedef struct sg_login_conf_t {
    int on;                       /* SpamGearLogin On|Off */
    sg_regex_list_t *match;       /* SpamGearLoginMatch; NULL: the built-in list */
    apr_array_header_t *success;  /* SpamGearLoginSuccess: int statuses, all login URIs */
    apr_array_header_t *xmlrpc_success; /* SpamGearLoginSuccess xmlrpc:CODE: xmlrpc.php only */
    int limit;                    /* SpamGearLoginLimit COUNT */
    int window;                   /* SpamGearLoginLimit SECONDS */
    int ban_time;                 /* SpamGearBanTime SECONDS */
    double growth;                /* SpamGearBanTime growth factor (< 0: unset) */
    sg_scope_t scope;             /* SpamGearBanScope */
    apr_array_header_t *exempt;   /* SpamGearBanExempt: sg_cidr_t; NULL: unset */
    int status;                   /* SpamGearBanStatus 403|429 */
    int v6_prefix;                /* SpamGearBanIPv6Prefix bits */
    int body_limit;               /* SpamGearLoginBodyLimit bytes of xmlrpc bodies */
} sg_login_conf_t;

extern module AP_MODULE_DECLARE_DATA spamgear_module;

/* Per-server configuration. */
typedef struct sg_server_conf_t {
    sg_noexec_rules_t *noexec;   /* path rules (own or inherited) + handler globs */
    int noexec_paths_set;        /* SpamGearNoExecMatch seen in this server */
    sg_login_conf_t login;       /* login counting and bans */
    const char *ban_store;       /* SpamGearBanStore (main server only); NULL: shmcb */
    const char *signatures;      /* SpamGearSignatures DIR (main server only); NULL: none */
    apr_array_header_t *yara_rules; /* SpamGearYaraRules "[NS:]PATH" (main server only) */
    const char *clamav;          /* SpamGearClamAV as the engine wants it; NULL: off */
    const char *spool_dir;       /* SpamGearSpoolDir (main server only); NULL: temp dir */
    const char *watch_status;    /* SpamGearWatchStatus (main server only); NULL: default */
    apr_off_t spool_quota;       /* SpamGearSpoolQuota bytes (main server only); 0: default */
    int clamd_timeout;           /* SpamGearClamAVTimeout seconds (main server only); 0: 10 */
    const char *quarantine_dir;  /* SpamGearQuarantineDir (main server only); NULL: default */
    apr_interval_time_t scan_budget; /* SpamGearScanBudget (main server only); -1: default */
} sg_server_conf_t;

/* Per-directory configuration. */
typedef struct sg_dir_conf_t {
    sg_noexec_mode_t noexec;     /* SpamGearNoExec; SG_NOEXEC_UNSET defers to the rules */
    int upload_scan;             /* SpamGearUploadScan On|Off (SG_UNSET: On) */
    apr_off_t upload_max;        /* SpamGearUploadMaxSize bytes (-1: unset) */
    int upload_oversize_allow;   /* SpamGearUploadOversize Allow (1) | Deny (0) */
    int upload_onerror_allow;    /* SpamGearUploadOnError Allow (1) | Deny (0) */
    sg_regex_list_t *upload_deny_names; /* SpamGearUploadDenyNames; NULL: built-in */
    int upload_keep;             /* SpamGearUploadKeep On|Off */
    int upload_status;           /* SpamGearUploadStatus: infected / denied names */
    int upload_bodies;           /* SpamGearUploadBodies: SG_BODY_* bits (SG_UNSET: 0) */
    int upload_media_code_scan;  /* SpamGearUploadMediaCode Scan (1) | Refuse (0, default) */
    /* What a customer's .htaccess added (tighten-only, see sg_config_merge_dir) */
    int htaccess;                /* set by a setter that ran in a .htaccess file */
    const char *htaccess_file;   /* the .htaccess of its SpamGearUploadMaxSize */
    const char *htaccess_max_at; /* "FILE: SpamGearUploadMaxSize ARG (line N)" */
    sg_regex_list_t *login_more; /* SpamGearLoginMatch: login URIs added to the vhost's */
    sg_regex_list_t *deny_more;  /* SpamGearUploadDenyNames: names added to the list */
    const char *refusal;         /* a loosening found when merging: answer 500, log this */
    const char *refusal_file;    /* ...in this .htaccess */
} sg_dir_conf_t;

/* SpamGearUploadMaxSize when unset */
#define SG_UPLOAD_DEFAULT_MAX (APR_INT64_C(64) * 1024 * 1024)
/* SpamGearSpoolQuota: at least 1M; by default a quarter of the spool
 * directory's file system, at most SG_SPOOL_QUOTA_MAX_DEFAULT. */
#define SG_SPOOL_QUOTA_MIN (APR_INT64_C(1) << 20)
#define SG_SPOOL_QUOTA_MAX_DEFAULT (APR_INT64_C(1) << 30)

/* SpamGearUploadBodies: what is scanned besides file parts and raw files. */
#define SG_BODY_FIELDS 1         /* multipart form fields (no filename) */
#define SG_BODY_FORM 2           /* application/x-www-form-urlencoded: each value, raw body */
#define SG_BODY_OTHER 4          /* any other body (JSON, XML, text): the raw body */

/* The directive table (mod_spamgear_config.c). */
extern const command_rec sg_config_cmds[];

void *sg_config_create_server(apr_pool_t *p, server_rec *s);
void *sg_config_merge_server(apr_pool_t *p, void *basev, void *addv);
void *sg_config_create_dir(apr_pool_t *p, char *dir);
void *sg_config_merge_dir(apr_pool_t *p, void *basev, void *addv);

/* Completes every server's rules with the built-in defaults (post_config). */
apr_status_t sg_config_finish(apr_pool_t *p, server_rec *s);

/* The fixups hook that refuses script execution in no-exec paths
 * (mod_spamgear_noexec.c). */
int sg_noexec_fixups(request_rec *r);

int sg_config_refusal_fixups(request_rec *r);

/* ---- login counting and bans (mod_spamgear_ban.c) */

/* Registers the global mutex type (pre_config). */
apr_status_t sg_ban_pre_config(apr_pool_t *pconf);

/* Creates the stores, the mutex and the shared counters (post_config). */
/* check_config: the socache providers the ban store needs are loaded. */
apr_status_t sg_ban_check_config(apr_pool_t *ptemp, server_rec *s);
apr_status_t sg_ban_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);

/* Re-opens the mutex in a child (child_init). */
void sg_ban_child_init(apr_pool_t *p, server_rec *s);

/* Refuses banned clients (post_read_request). */
int sg_ban_post_read_request(request_rec *r);

int sg_ban_fixups(request_rec *r);

/* Adds the xmlrpc body peek filter to login POSTs (insert_filter). */
void sg_ban_insert_filter(request_rec *r);

/* Registers the xmlrpc body peek filter (register_hooks). */
void sg_ban_register_filter(void);

/* Counts a failed login (log_transaction). */
int sg_ban_log_transaction(request_rec *r);

/* Counts one no-exec refusal for the status page. */
void sg_stats_noexec_refused(void);

/* Counts one scanned upload (BLOCKED 0) or one refused upload (1). */
void sg_stats_upload(int blocked);

/* .htaccess files that set spamgear directives, as the status page lists
 * them: the last SG_HTACCESS_NOTES distinct files since start, in shared
 * memory (paths cut at SG_HTACCESS_PATH - 1 bytes). */
#define SG_HTACCESS_NOTES 32
#define SG_HTACCESS_PATH 256
typedef struct sg_htaccess_note_t {
    char path[SG_HTACCESS_PATH];
    apr_uint32_t read;       /* spamgear lines accepted, counted per reading */
    apr_uint32_t refused;    /* lines refused (each a 500) */
} sg_htaccess_note_t;

/* Notes a spamgear line of FILE, refused or not (called while httpd reads a
 * .htaccess for a request, and by the refusal fixup). */
void sg_stats_htaccess(const char *file, int refused);

/* The notes, copied into P. */
apr_array_header_t *sg_stats_htaccess_list(apr_pool_t *p);

/* ---- upload scanning (mod_spamgear_upload.c) */

/* Loads the scan engine once in the parent (post_config). */
apr_status_t sg_upload_post_config(apr_pool_t *pconf, server_rec *s);

/* Reads, spools, parses and scans request bodies, then replays them (fixups). */
int sg_upload_fixups(request_rec *r);

/* Registers the replay input filter (register_hooks). */
void sg_upload_register_filter(void);

/* The loaded engine's description for the status page ("off", counts). */
const char *sg_upload_engine_info(apr_pool_t *p, const char **clamav, const char **yara);

/* Each child takes its slot in the shared spool quota. */
void sg_upload_child_init(apr_pool_t *p, server_rec *s);

/* Spool file bytes all children hold now, and the quota (SpamGearSpoolQuota). */
void sg_upload_spool_info(apr_off_t *used, apr_off_t *quota);

/* Status page and unban form, SetHandler spamgear-status (mod_spamgear_status.c). */
int sg_status_handler(request_rec *r);

/* What the status page needs from mod_spamgear_ban.c. */
typedef struct sg_status_info_t {
    const char *store;            /* "shmcb", "redis:HOST:PORT"... */
    int store_up;                 /* 0 while the shared store is taken as down */
    apr_uint32_t noexec_refused;  /* since start */
    apr_uint32_t bans_made;       /* since start, by this server */
    apr_uint32_t requests_refused;/* banned requests refused since start */
    apr_uint32_t logins_failed;   /* failed logins counted since start */
    apr_uint32_t upload_scans;    /* upload requests scanned since start */
    apr_uint32_t upload_blocks;   /* upload requests refused since start */
    const char *token;            /* the unban form's CSRF token */
} sg_status_info_t;

void sg_ban_status_info(sg_status_info_t *info);

/* Calls CB for every record in this server's local store (shmcb); CB gets
 * decoded records. */
struct sg_ban_rec_t;
typedef void sg_ban_each_cb(void *baton, const struct sg_ban_rec_t *rec);
apr_status_t sg_ban_each_local(request_rec *r, sg_ban_each_cb *cb, void *baton);

/* Unbans CLIENT (a client key or address) in SCOPE from the shared store and
 * the local cache. */
apr_status_t sg_ban_unban(request_rec *r, const char *client, const char *scope);

#endif /* MOD_SPAMGEAR_H */
