#ifndef SG_PHP_TAINT_H
#define SG_PHP_TAINT_H
/*
 * The PHP analyser's pass over tokens (sg_php_lex.h): a tolerant expression
 * parser that folds constants (sg_php_fold.h), follows request data through
 * variables, array elements, properties, function parameters and returns,
 * closures, create_function() lambdas and callbacks into sinks, and notes
 * what the file can do.  It runs nothing and allocates from one pool; time
 * is linear in the tokens (a second pass runs only when a function called
 * before its definition could say more; a small function called with
 * constants, and a create_function() body, are read again with
 * them, within a token budget), recursion is capped, and the caller's
 * budget is polled.
 *
 * The result is a list of facts, one text line each, that rules of target
 * "facts" match (sg_sig.h); the grammar of a line is fixed:
 *
 *   taint KIND SINK src=SRC line=N via=CHAIN
 *       data from SRC (request: $_GET/$_POST/$_REQUEST/$_COOKIE/$_FILES,
 *       $_SERVER['HTTP_*'], php://input, getallheaders(); net: a socket or
 *       a remote URL) reaches SINK at line N.  KIND: code (eval, assert,
 *       create_function, preg_replace /e), exec (system & co, backticks),
 *       callname (a call of a function the data names), include, write
 *       (file_put_contents/fwrite of the data to a chosen file), upload
 *       (move_uploaded_file/copy to a chosen path), net (a connection to a
 *       chosen host), mail (mail() to chosen recipients), extract (the data
 *       becomes variables: extract(), parse_str(), $$key = $value),
 *       objinject (the data is unserialized in a file whose magic method,
 *       __destruct & co, hands a property to a code, exec, include or
 *       callname SINK at line N; kind=THAT follows).
 *       CHAIN: "$_POST['x'] (line 3) -> $cmd (line 3) -> system() (line 5)".
 *   dyncall KIND NAME obf=0|1 line=N
 *       a function called through a value that folds to NAME (KIND: code,
 *       exec, decode, callback, file); obf=1 when the name was built (escapes,
 *       concatenation, decoders, string operators), not written plainly.
 *   decoded KIND SINK depth=D line=N
 *       a constant that went through D decoders reaches SINK (KIND as taint;
 *       exec: a command line spelt through a decoder or escapes).  The
 *       engine adds "decoded code layers depth=K line=0" when K payloads in a
 *       row each ran a constant they decoded (sg_engine.c, nested_decoded).
 *   covertracks SINK line=N
 *       a constant command that wipes the shell history or the login logs
 *       (.bash_history, unset HISTFILE, history -c, /var/log/wtmp...).
 *   spawnshell SINK line=N
 *       SINK (system & co) starts a bare shell ("/bin/sh", "bash -i",
 *       cmd.exe, $_SERVER['COMSPEC']) or one wired to a socket (/dev/tcp,
 *       nc -e): a reverse shell or a web shell's terminal.
 *   fetch php SINK line=N
 *       code fetched from the net saved as a PHP file: copy(URL, X.php),
 *       or a URL's reply (not taken apart, no fixed start) written to one.
 *   uploadphp SINK line=N
 *       an upload moved or copied to a PHP file name the script fixed.
 *   wpadmin request line=N
 *       a WordPress user made of request data at line N and given the
 *       administrator role where it was made (or a password gate guards it).
 *   notcode junk=N line=L
 *       the only fact of a text whose code holds N bytes PHP rejects (the
 *       first at line L): binary data with "<?" in it, not a program; the
 *       pass's other facts and payloads are dropped.
 *   opaque code SINK line=N
 *       what a function the analyser cannot fold (one written in PHP, a
 *       cipher) made of constants only, one of 48 bytes or more, reaches
 *       SINK: a payload decoded by hand-written code.
 *   unset KIND SINK line=N via=CHAIN
 *       a global the file never sets (and uses at most four times) reaches
 *       SINK (KIND code, exec or callname): data from the including file.
 *   hiddencall src=SRC line=N via=CHAIN
 *       data from SRC handed to a function whose name was built with string
 *       XOR & co from an unknown value (it cannot be told) at line N.
 *   hidden include INCLUDE line=N
 *       include/require of a constant path spelt with escapes, chr(), XOR
 *       or a decoder.
 *   drop KIND SINK line=N
 *       a decoded constant of 32 bytes or more is written to a file by SINK
 *       (fwrite, fputs, file_put_contents); KIND: elf, pe, script (#!),
 *       php, c (source with #include), data.
 *   exechelper N NAME line=N
 *       the function NAME (its body at line N) runs its parameters with N
 *       (3 or more) of system(), exec(), passthru(), shell_exec(), popen(),
 *       proc_open(), pcntl_exec(), expect_popen(): a web shell's way past
 *       disable_functions.
 *   cap NAME line=N          a capability the file uses (see sg_php_caps)
 *   caps NAME NAME ...        all capabilities, sorted
 *   capscore N                how many shell capabilities, when request data
 *                             is read (0 otherwise)
 *   selfdel capscore=N        the file deletes itself (unlink(__FILE__)...)
 *                             and reads request data; N as capscore
 *   evalcaps NAME NAME ...    eval'd code only (a payload): its capabilities
 *                             beyond reading the request and eval
 *
 * Constant code that reaches eval & co, data of 64 bytes or more that a
 * decoder produced, and a constant holding PHP code that the file writes to
 * a file, are returned as payloads, for the caller to match again as a
 * decoded layer (and to analyse, when it is code).
 */
#include <apr_pools.h>
#include <apr_tables.h>

typedef struct sg_php_limits_t {
    apr_size_t max_bytes;              /* bytes folded constants may add up to */
    int (*over_budget)(void *baton);   /* polled: non-zero stops the pass */
    void *baton;                       /* for over_budget */
} sg_php_limits_t;

typedef struct sg_php_payload_t {
    const char *buf;                   /* constant code or data, NUL-terminated */
    apr_size_t len;                    /* its bytes */
    int line;                          /* line of the sink, or of the decoding */
    const char *sink;                  /* eval, assert, ...; NULL: decoded data that
                                        * reached no code sink (a dropped script,
                                        * a template), to match as text */
} sg_php_payload_t;

typedef struct sg_php_facts_t {
    apr_array_header_t *lines;         /* of const char *: one fact each */
    apr_array_header_t *payloads;      /* of sg_php_payload_t */
    unsigned caps;                     /* SG_CAP_* bits */
    int stopped;                       /* 1: the budget ended the pass */
} sg_php_facts_t;

/* Capabilities (cap facts). */
#define SG_CAP_EXEC      0x0001   /* runs commands */
#define SG_CAP_EVAL      0x0002   /* evaluates non-constant code */
#define SG_CAP_FILELIST  0x0004   /* lists directories */
#define SG_CAP_FILEEDIT  0x0008   /* writes, renames, deletes files */
#define SG_CAP_UPLOAD    0x0010   /* takes uploaded files */
#define SG_CAP_DB        0x0020   /* connects to databases */
#define SG_CAP_SOCKET    0x0040   /* opens network connections */
#define SG_CAP_MAIL      0x0080   /* sends mail */
#define SG_CAP_SELFDEL   0x0100   /* deletes itself */
#define SG_CAP_PWGATE    0x0200   /* compares a hash of input with a constant */
#define SG_CAP_RECON     0x0400   /* reads system identity (uname, uid, ...) */
#define SG_CAP_TIMESTOMP 0x0800   /* sets file times (touch with a time) */
#define SG_CAP_SYMLINK   0x1000   /* creates symlinks */
#define SG_CAP_STEALTH   0x2000   /* ignore_user_abort / set_time_limit(0) / error_reporting(0) */
#define SG_CAP_REQUEST   0x4000   /* reads request data */
#define SG_CAP_CHMOD     0x8000   /* changes permissions */
#define SG_CAP_READANY  0x10000   /* reads a file the request names */
#define SG_CAP_BROWSE   0x20000   /* lists a directory the request names */
#define SG_CAP_COUNT 18

/* Builds the builtin tables; call once before threads start (idempotent). */
void sg_php_init(void);

/* Analyses BUF[0..LEN): a file (CODE 0: starts outside PHP) or code (CODE 1:
 * an eval'd payload).  Fills *OUT from P.  Returns APR_SUCCESS, or
 * APR_TIMEUP when the budget stopped it (OUT holds what was found). */
apr_status_t sg_php_analyse(const char *buf, apr_size_t len, int code,
                            const sg_php_limits_t *lim, apr_pool_t *p, sg_php_facts_t *out);

/* The facts as one text, a line each ("\n"-terminated), from P. */
const char *sg_php_facts_text(const sg_php_facts_t *facts, apr_size_t *len, apr_pool_t *p);

#endif /* SG_PHP_TAINT_H */
