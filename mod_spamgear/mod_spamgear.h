#ifndef MOD_SPAMGEAR_H
#define MOD_SPAMGEAR_H
/* mod_spamgear: httpd glue shared by the mod_spamgear*.c files. */
#include <httpd.h>
#include <http_config.h>
#include "sg_noexec.h"

extern module AP_MODULE_DECLARE_DATA spamgear_module;

/* Per-server configuration. */
typedef struct sg_server_conf_t {
    sg_noexec_rules_t *noexec;   /* path rules (own or inherited) + handler globs */
    int noexec_paths_set;        /* SpamGearNoExecMatch seen in this server */
} sg_server_conf_t;

/* Per-directory configuration. */
typedef struct sg_dir_conf_t {
    sg_noexec_mode_t noexec;     /* SpamGearNoExec; SG_NOEXEC_UNSET defers to the rules */
} sg_dir_conf_t;

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

#endif /* MOD_SPAMGEAR_H */
