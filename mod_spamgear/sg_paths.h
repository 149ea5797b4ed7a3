#ifndef SG_PATHS_H
#define SG_PATHS_H
/*
 * Installation directories, from configure (sysconfdir, localstatedir, passed
 * by Makefile.am to every compile): every default path derives from these two,
 * so one --prefix (or --sysconfdir/--localstatedir) moves them all together.
 * The fallbacks are Debian's, for a compile outside the build system.
 */
#ifndef SG_SYSCONFDIR
#define SG_SYSCONFDIR "/etc"
#endif
#ifndef SG_LOCALSTATEDIR
#define SG_LOCALSTATEDIR "/var"
#endif

#define SG_CONF_DIR SG_SYSCONFDIR "/spamgear"                  /* config and samples */
#define SG_SIGNATURES_DEFAULT_DIR SG_CONF_DIR "/signatures"
#define SG_STATE_DEFAULT_DIR SG_LOCALSTATEDIR "/lib/spamgear"  /* state, quarantine */

#endif /* SG_PATHS_H */
