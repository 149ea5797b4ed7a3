/* sg_php_taint.c: the analyser's pass: expressions, folding, taint, caps. */
#include <string.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sg_memfind.h"
#include "sg_php_fold.h"
#include "sg_php_lex.h"
#include "sg_php_taint.h"

#define T_REQ 1u                 /* request data */
#define T_NET 2u                 /* socket or remote data */
#define T_SRC (T_REQ | T_NET)
#define T_PARAM0 4u              /* bit of parameter 0 (up to MAX_PARAMS) */
#define T_UNSET (1u << 31)       /* a global this file reads but never sets: the
                                  * including file's (or register_globals') */
#define T_DERIVED (1u << 30)     /* computed by a user function from request data
                                  * with no data path the pass follows (a lookup
                                  * table encoder): counts at code sinks only */
#define MAX_PARAMS 24
#define T_PARAMS (((1u << MAX_PARAMS) - 1) * T_PARAM0)  /* every parameter bit */
#define MAX_PROP_PARAMS 8           /* properties one function's summary names */
#define MAX_ARGS 16              /* arguments kept per call */
#define MAX_SPREAD 3             /* places f(...$_GET) fills after its own */
#define MAX_ITEMS 256            /* elements kept per constant array */
#define MAX_DEPTH 200            /* expression and block nesting */
#define MAX_FACTS 256            /* facts kept per file */
#define MAX_CHAIN 8              /* steps named in a chain */
#define MAX_CONST 1048576        /* bytes of one folded constant */
#define POLL_EVERY 4096          /* tokens between budget polls */
#define MAX_PAYLOADS 64          /* constant payloads kept (both passes) */
#define MIN_DATA_PAYLOAD 64      /* decoded data worth matching as a layer */
#define MAX_STRS (1 << 20)       /* bytes of short decoded strings kept per file */
#define MIN_WRITTEN_CODE 24      /* bytes of a constant written to a file that is
                                  * analysed as the PHP it holds */
#define MAX_EXEC_ITEMS 64         /* commands of a constant array checked at exec */
#define MAX_INLINE_BODY 4096     /* tokens of a body read again per call */
#define MAX_INLINE_TICKS 65536   /* tokens read again per file */
#define MAX_INLINE_EACH 16       /* times one function is read again */
#define MAX_INLINE_DEPTH 2       /* nested readings */
#define MAX_EVAL_INLINE 4096     /* bytes of constant eval'd code read in its caller's scope */
#define MAX_EVAL_INLINE_EACH 8   /* such readings per file */
#define MAX_LAMBDA_BODY 4096     /* bytes of a create_function() body read as a function */
#define MAX_WFILES 8             /* written files remembered per file (exec_written) */
#define MAX_ARR_COPY (1 << 20)   /* bytes of constant arrays copied per file by
                                  * element assignments ($a['k'] = 'v') */

#define V_OBF 1u                 /* constant built, not written plainly */
#define V_STRONG 64u             /* ...built the way only obfuscators build: escapes,
                                  * string ^ | & ~, chr(), decoders, string offsets */
#define V_LIT 2u                 /* constant straight from one literal */
#define V_SELF 4u                /* names this file (__FILE__, SCRIPT_FILENAME) */
#define V_HASH 8u                /* a hash of something (md5, sha1...) */
#define V_SERVER 16u             /* $_SERVER itself (its keys decide) */
#define V_FIXEDHEAD 32u          /* data after a fixed, clean start ("dir/" . $x) */
#define V_THIS 128u              /* $this (methods are resolved by name only) */
#define V_TMPNAME 512u           /* $_FILES[..]['tmp_name']: PHP's path, the
                                  * client's bytes (a path no client chose) */
#define V_USCORE 1024u           /* unknown, but built as "_" . something: a
                                  * superglobal's name when it names a variable */
#define V_URL 16384u            /* unknown, but starts with a constant http://,
                                    https:// or ftp:// (a URL with a query added) */
#define V_VARVAR 8192u          /* $$name / ${expr} with a name nobody can tell:
                                    assigned, it sets whatever variable the name says */
#define V_UNRES 4096u           /* returned by a call of a function whose body
                                    comes later, with constant arguments: a sink
                                    that receives it asks for the second pass */
#define V_OPAQUE 2048u           /* unknown, computed from a long constant by code
                                  * the analyser cannot fold (a user-written decoder,
                                  * a cipher): a packed payload once decoded */
#define MIN_OPAQUE 48            /* bytes of a constant that make its transform opaque */
#define V_HANDLE 65536u          /* a socket handle (fsockopen...), not data: no
                                  * in_array() validates it (stream_select's idiom) */
#define V_SHELLIN 32768u         /* popen() of a shell for writing: what is written
                                  * to it is run as commands */
#define V_PHPNAME 262144u        /* unknown, but ends with a constant ".php" name
                                  * ($_SERVER['DOCUMENT_ROOT'] . "/x.php") */
#define V_METHODCB 524288u       /* array(OBJECT, NAME): a callable of an object or
                                  * class the file holds, the request naming only
                                  * the method */
#define V_PARSED 131072u         /* data taken apart (json_decode, explode...): what is
                                  * built of it is the script's own text */
#define V_UNDEF 1048576u         /* a variable read before anything set it, outside
                                  * loops: null, "" to "." ($n = $n . 'bas'; the
                                  * name builders of obfuscators start so) */
#define V_FIXEDTAIL 2097152u     /* unknown, but ends with a constant (". '/i'"): a
                                  * pattern whose modifiers the script fixed */
#define V_SHELLOBJ 256u          /* new COM("WScript.Shell"), new perl(), new
                                  * ReflectionFunction(NAME): its methods run things */

/* ---------------------------------------------------------------- values */

typedef struct origin_t {
    const char *what;                  /* "$_POST['x']", "$cmd", "f() param $a" */
    int line;
    const struct origin_t *prev;       /* where it came from */
} origin_t;

typedef struct func_t func_t;

/* Where the lexer stood: a function body is read again from there when the
 * function is called with constants (inline_call). */
typedef struct lexpos_t {
    sg_php_lexer_t lx;
    sg_tok_t la[3];
    int nla;
    const char *prev_end;
    const char *prev_text;
} lexpos_t;

typedef struct arr_t {
    int n;                             /* items */
    sg_php_str_t *v;                   /* values (s NULL: unknown or an array) */
    sg_php_str_t *k;                   /* keys (s NULL: positional) */
    struct arr_t **sub;                /* NULL, or per item: the constant array
                                        * it holds (v[i].s NULL then) */
} arr_t;

typedef struct pval_t {
    sg_php_str_t c;                    /* constant value (c.s NULL: unknown) */
    unsigned taint;                    /* T_* and parameter bits */
    unsigned flags;                    /* V_* */
    int dec;                           /* decoders the constant went through */
    const origin_t *org;               /* where the taint came from */
    func_t *fn;                        /* a closure or a named callable */
    arr_t *arr;                        /* a constant array */
    /* as an lvalue */
    const arr_t *names;                /* $$n, $n over this constant list: the
                                        * variables it may name (V_VARVAR) */
    int lv;                            /* LV_* */
    const char *lvname;                /* variable or property name */
    apr_size_t lvlen;
    int lvkey;                         /* LV_ELEM: LK_* */
    sg_php_str_t lvk;                  /* LK_CONST: the key */
} pval_t;

enum { LV_NONE, LV_VAR, LV_ELEM, LV_PROP, LV_LIST, LV_SESSION };
/* The element an LV_ELEM names: $v['k'] (LK_CONST), $v[] (LK_APPEND), or
 * anything else (LK_OTHER: a computed key, a deeper element). */
enum { LK_OTHER, LK_CONST, LK_APPEND };

enum { SK_CODE, SK_EXEC, SK_CALLNAME, SK_INCLUDE, SK_WRITE, SK_UPLOAD, SK_NET, SK_MAIL,
       SK_EXTRACT, SK_COUNT };
static const char *const sink_kind[SK_COUNT] = { "code", "exec", "callname", "include",
                                                 "write", "upload", "net", "mail", "extract" };

/* A place (a property, a global) a function stores some of its parameters in. */
typedef struct stored_t {
    const char *name;                  /* without "$" or "->" */
    apr_size_t len;
    unsigned params;                   /* T_PARAM0 << i bits */
    int line;
} stored_t;

struct func_t {
    const char *name;                  /* lower-case, "{closure}" for closures */
    int nparams;
    const char *pname[MAX_PARAMS];     /* parameter names (without '$') */
    unsigned sink_params[SK_COUNT];    /* parameters that reach each kind of sink */
    const char *sink_name[SK_COUNT];   /* the sink, for the chain */
    int sink_line[SK_COUNT];
    unsigned ret_params;               /* parameters the return value carries */
    unsigned ret_taint;                /* sources the return value carries */
    sg_php_str_t ret_const;            /* a constant it returns, if any */
    unsigned ret_flags;
    int ret_dec;
    int defined;                       /* its body was seen */
    unsigned wr_path, wr_data;         /* a write whose path and data come from these
                                        * parameters */
    const char *wr_sink;
    int wr_line;
    lexpos_t *body;                    /* at its "{", or NULL */
    unsigned long body_ticks;          /* tokens the body took */
    int inlined;                       /* times read again with constants */
    unsigned exec_ways;                /* command runners called on parameters */
    unsigned byref;                    /* bit i: parameter i is taken by reference */
    stored_t prop_params[MAX_PROP_PARAMS]; /* properties it stores parameters in */
    int nprop_params;
    stored_t glob_params[MAX_PROP_PARAMS]; /* global variables it stores them in */
    int nglob_params;
};

/* A property whose value a sink received (eval($this->code) in a method):
 * whatever is stored in it later reaches that sink. */
typedef struct prop_sink_t {
    int kind;                          /* SK_* */
    const char *sink;                  /* its name */
    int line;
} prop_sink_t;

typedef struct scope_t {
    apr_hash_t *vars;                  /* name -> pval_t* */
    struct scope_t *parent;            /* arrow functions read through */
    int extracted;                     /* extract()/parse_str() of request data ran */
    apr_hash_t *globals;               /* names a "global" statement bound here, or NULL */
} scope_t;

/* ---------------------------------------------------------------- builtins */

enum {
    B_PROP = 1,      /* result carries the arguments' taint */
    B_SOURCE,        /* result is request data */
    B_NETSRC,        /* result is socket/remote data */
    B_READ,          /* result carries argument 0's taint (a handle) */
    B_CODE,          /* code sink: args in mask */
    B_EXEC,          /* command sink */
    B_CALLBACK,      /* calls argument cb */
    B_CLEAN          /* result is clean (listed for caps) */
};

typedef struct builtin_t {
    const char *name;
    unsigned char role;
    signed char cb;                    /* B_CALLBACK: index of the callback, -1 last */
    unsigned cap;                      /* SG_CAP_* it shows */
} builtin_t;

static const builtin_t builtins[] = {
    /* propagate */
    { "trim", B_PROP, 0, 0 }, { "ltrim", B_PROP, 0, 0 }, { "rtrim", B_PROP, 0, 0 },
    { "chop", B_PROP, 0, 0 }, { "stripslashes", B_PROP, 0, 0 }, { "stripcslashes", B_PROP, 0, 0 },
    { "base64_decode", B_PROP, 0, 0 }, { "base64_encode", B_PROP, 0, 0 },
    { "str_rot13", B_PROP, 0, 0 }, { "strrev", B_PROP, 0, 0 }, { "gzinflate", B_PROP, 0, 0 },
    { "gzuncompress", B_PROP, 0, 0 }, { "gzdecode", B_PROP, 0, 0 }, { "hex2bin", B_PROP, 0, 0 },
    { "urldecode", B_PROP, 0, 0 }, { "rawurldecode", B_PROP, 0, 0 },
    { "html_entity_decode", B_PROP, 0, 0 }, { "htmlspecialchars_decode", B_PROP, 0, 0 },
    { "strtolower", B_PROP, 0, 0 }, { "strtoupper", B_PROP, 0, 0 }, { "ucfirst", B_PROP, 0, 0 },
    { "lcfirst", B_PROP, 0, 0 }, { "substr", B_PROP, 0, 0 }, { "str_replace", B_PROP, 0, 0 },
    { "str_ireplace", B_PROP, 0, 0 }, { "preg_replace", B_PROP, 0, 0 },
    { "sprintf", B_PROP, 0, 0 }, { "vsprintf", B_PROP, 0, 0 }, { "implode", B_PROP, 0, 0 },
    { "join", B_PROP, 0, 0 }, { "explode", B_PROP, 0, 0 }, { "str_split", B_PROP, 0, 0 },
    { "array_values", B_PROP, 0, 0 }, { "array_pop", B_PROP, 0, 0 },
    { "array_shift", B_PROP, 0, 0 }, { "array_slice", B_PROP, 0, 0 }, { "current", B_PROP, 0, 0 },
    { "reset", B_PROP, 0, 0 }, { "end", B_PROP, 0, 0 }, { "next", B_PROP, 0, 0 },
    { "array_reverse", B_PROP, 0, 0 }, { "array_merge", B_PROP, 0, 0 },
    { "strval", B_PROP, 0, 0 }, { "convert_uudecode", B_PROP, 0, 0 }, { "strtr", B_PROP, 0, 0 },
    { "substr_replace", B_PROP, 0, 0 }, { "json_decode", B_PROP, 0, 0 },
    { "unserialize", B_PROP, 0, 0 }, { "pack", B_PROP, 0, 0 }, { "chr", B_PROP, 0, 0 },
    { "str_repeat", B_PROP, 0, 0 }, { "str_pad", B_PROP, 0, 0 }, { "utf8_decode", B_PROP, 0, 0 },
    { "iconv", B_PROP, 0, 0 }, { "mb_convert_encoding", B_PROP, 0, 0 },
    { "openssl_decrypt", B_PROP, 0, 0 }, { "mcrypt_decrypt", B_PROP, 0, 0 },
    { "gzinflate", B_PROP, 0, 0 }, { "array_map", B_CALLBACK, 0, 0 },
    { "each", B_PROP, 0, 0 }, { "key", B_PROP, 0, 0 }, { "array_keys", B_PROP, 0, 0 },
    { "array_flip", B_PROP, 0, 0 }, { "strip_tags", B_PROP, 0, 0 }, { "nl2br", B_PROP, 0, 0 },
    { "array_key_first", B_PROP, 0, 0 }, { "array_key_last", B_PROP, 0, 0 },
    { "func_get_args", B_PROP, 0, 0 }, { "func_get_arg", B_PROP, 0, 0 },
    { "array_combine", B_PROP, 0, 0 }, { "array_fill", B_PROP, 0, 0 },
    { "preg_split", B_PROP, 0, 0 }, { "preg_filter", B_PROP, 0, 0 }, { "str_word_count", B_PROP, 0, 0 },
    { "array_unique", B_PROP, 0, 0 }, { "array_change_key_case", B_PROP, 0, 0 },
    { "mb_substr", B_PROP, 0, 0 }, { "ucwords", B_PROP, 0, 0 }, { "wordwrap", B_PROP, 0, 0 },
    { "chunk_split", B_PROP, 0, 0 }, { "quoted_printable_decode", B_PROP, 0, 0 },
    { "bin2hex", B_PROP, 0, 0 }, { "xml_parse", B_PROP, 0, 0 },
    /* sources */
    { "getallheaders", B_SOURCE, 0, SG_CAP_REQUEST },
    { "apache_request_headers", B_SOURCE, 0, SG_CAP_REQUEST },
    { "preg_quote", B_CLEAN, 0, 0 },     /* text that can no longer change a pattern */
    { "exif_read_data", B_NETSRC, 0, 0 },  /* an image's own text: its sender's */
    { "fsockopen", B_NETSRC, 0, SG_CAP_SOCKET }, { "pfsockopen", B_NETSRC, 0, SG_CAP_SOCKET },
    { "stream_socket_client", B_NETSRC, 0, SG_CAP_SOCKET },
    { "socket_create", B_NETSRC, 0, SG_CAP_SOCKET }, { "curl_exec", B_NETSRC, 0, 0 },
    { "socket_read", B_READ, 0, 0 }, { "fread", B_READ, 0, 0 }, { "fgets", B_READ, 0, 0 },
    { "fgetc", B_READ, 0, 0 }, { "stream_get_contents", B_READ, 0, 0 },
    { "stream_get_line", B_READ, 0, 0 }, { "socket_recv", B_READ, 0, 0 },
    { "file_get_contents", B_READ, 0, 0 }, { "file", B_READ, 0, 0 },
    { "fopen", B_READ, 0, 0 }, { "readfile", B_READ, 0, 0 }, { "highlight_file", B_READ, 0, 0 },
    { "show_source", B_READ, 0, 0 },
    /* sinks */
    { "eval", B_CODE, 0, SG_CAP_EVAL }, { "assert", B_CODE, 0, SG_CAP_EVAL },
    { "create_function", B_CODE, 0, SG_CAP_EVAL }, { "preg_replace", B_PROP, 0, 0 },
    { "system", B_EXEC, 0, SG_CAP_EXEC }, { "exec", B_EXEC, 0, SG_CAP_EXEC },
    { "passthru", B_EXEC, 0, SG_CAP_EXEC }, { "shell_exec", B_EXEC, 0, SG_CAP_EXEC },
    { "popen", B_EXEC, 0, SG_CAP_EXEC }, { "proc_open", B_EXEC, 0, SG_CAP_EXEC },
    { "pcntl_exec", B_EXEC, 0, SG_CAP_EXEC }, { "expect_popen", B_EXEC, 0, SG_CAP_EXEC },
    /* callbacks */
    { "call_user_func", B_CALLBACK, 0, 0 }, { "call_user_func_array", B_CALLBACK, 0, 0 },
    { "array_filter", B_CALLBACK, 1, 0 }, { "array_walk", B_CALLBACK, 1, 0 },
    { "array_walk_recursive", B_CALLBACK, 1, 0 }, { "array_reduce", B_CALLBACK, 1, 0 },
    { "usort", B_CALLBACK, 1, 0 }, { "uasort", B_CALLBACK, 1, 0 }, { "uksort", B_CALLBACK, 1, 0 },
    { "register_shutdown_function", B_CALLBACK, 0, 0 },
    { "register_tick_function", B_CALLBACK, 0, 0 }, { "forward_static_call", B_CALLBACK, 0, 0 },
    { "forward_static_call_array", B_CALLBACK, 0, 0 }, { "iterator_apply", B_CALLBACK, 1, 0 },
    { "preg_replace_callback", B_CALLBACK, 1, 0 }, { "mb_ereg_replace_callback", B_CALLBACK, 1, 0 },
    { "set_error_handler", B_CALLBACK, 0, 0 }, { "set_exception_handler", B_CALLBACK, 0, 0 },
    { "ob_start", B_CALLBACK, 0, 0 }, { "spl_autoload_register", B_CALLBACK, 0, 0 },
    { "array_udiff", B_CALLBACK, -1, 0 }, { "array_uintersect", B_CALLBACK, -1, 0 },
    { "array_diff_ukey", B_CALLBACK, -1, 0 }, { "header_register_callback", B_CALLBACK, 0, 0 },
    { "session_set_save_handler", B_CALLBACK, 0, 0 },
    { "array_udiff_assoc", B_CALLBACK, -1, 0 }, { "array_udiff_uassoc", B_CALLBACK, -1, 0 },
    { "array_uintersect_assoc", B_CALLBACK, -1, 0 },
    { "array_uintersect_uassoc", B_CALLBACK, -1, 0 },
    { "array_diff_uassoc", B_CALLBACK, -1, 0 }, { "array_intersect_uassoc", B_CALLBACK, -1, 0 },
    { "array_intersect_ukey", B_CALLBACK, -1, 0 },
    /* capabilities only */
    { "opendir", B_CLEAN, 0, SG_CAP_FILELIST }, { "readdir", B_CLEAN, 0, SG_CAP_FILELIST },
    { "scandir", B_CLEAN, 0, SG_CAP_FILELIST }, { "glob", B_CLEAN, 0, SG_CAP_FILELIST },
    { "dir", B_CLEAN, 0, SG_CAP_FILELIST },
    { "unlink", B_CLEAN, 0, SG_CAP_FILEEDIT }, { "rename", B_CLEAN, 0, SG_CAP_FILEEDIT },
    { "rmdir", B_CLEAN, 0, SG_CAP_FILEEDIT }, { "mkdir", B_CLEAN, 0, SG_CAP_FILEEDIT },
    { "file_put_contents", B_CLEAN, 0, SG_CAP_FILEEDIT }, { "fwrite", B_CLEAN, 0, SG_CAP_FILEEDIT },
    { "fputs", B_CLEAN, 0, SG_CAP_FILEEDIT }, { "copy", B_CLEAN, 0, SG_CAP_FILEEDIT },
    { "chmod", B_CLEAN, 0, SG_CAP_CHMOD }, { "touch", B_CLEAN, 0, 0 },
    { "move_uploaded_file", B_CLEAN, 0, SG_CAP_UPLOAD },
    { "mysql_connect", B_CLEAN, 0, SG_CAP_DB }, { "mysqli_connect", B_CLEAN, 0, SG_CAP_DB },
    { "mysql_query", B_CLEAN, 0, SG_CAP_DB }, { "mysqli_query", B_CLEAN, 0, SG_CAP_DB },
    { "pg_connect", B_CLEAN, 0, SG_CAP_DB }, { "mssql_connect", B_CLEAN, 0, SG_CAP_DB },
    { "oci_connect", B_CLEAN, 0, SG_CAP_DB }, { "sqlite_open", B_CLEAN, 0, SG_CAP_DB },
    { "socket_connect", B_CLEAN, 0, SG_CAP_SOCKET }, { "socket_bind", B_CLEAN, 0, SG_CAP_SOCKET },
    { "mail", B_CLEAN, 0, SG_CAP_MAIL },
    { "php_uname", B_CLEAN, 0, SG_CAP_RECON }, { "posix_getpwuid", B_CLEAN, 0, SG_CAP_RECON },
    { "posix_getuid", B_CLEAN, 0, SG_CAP_RECON }, { "getmyuid", B_CLEAN, 0, SG_CAP_RECON },
    { "get_current_user", B_CLEAN, 0, SG_CAP_RECON }, { "posix_uname", B_CLEAN, 0, SG_CAP_RECON },
    { "disk_free_space", B_CLEAN, 0, SG_CAP_RECON }, { "getmypid", B_CLEAN, 0, SG_CAP_RECON },
    { "posix_getgrgid", B_CLEAN, 0, SG_CAP_RECON }, { "posix_geteuid", B_CLEAN, 0, SG_CAP_RECON },
    { "symlink", B_CLEAN, 0, SG_CAP_SYMLINK }, { "link", B_CLEAN, 0, SG_CAP_SYMLINK },
    { "ignore_user_abort", B_CLEAN, 0, SG_CAP_STEALTH },
    { "set_time_limit", B_CLEAN, 0, 0 }, { "error_reporting", B_CLEAN, 0, 0 },
    { "extract", B_CLEAN, 0, 0 }, { "parse_str", B_CLEAN, 0, 0 },
    { NULL, 0, 0, 0 }
};

#define BI_SLOTS 1024
static const builtin_t *bi_table[BI_SLOTS];
static int bi_ready;

static unsigned hash_name(const char *s, apr_size_t n)
{
    unsigned h = 2166136261u;
    apr_size_t i;

    for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void kw_init(void);

void sg_php_init(void)
{
    int i;

    if (bi_ready) return;
    kw_init();
    for (i = 0; builtins[i].name; i++) {
        unsigned h = hash_name(builtins[i].name, strlen(builtins[i].name)) % BI_SLOTS;
        while (bi_table[h] && strcmp(bi_table[h]->name, builtins[i].name)) h = (h + 1) % BI_SLOTS;
        if (!bi_table[h]) bi_table[h] = &builtins[i];
    }
    bi_ready = 1;
}

static const builtin_t *builtin(const char *name)
{
    apr_size_t n = strlen(name);
    unsigned h = hash_name(name, n) % BI_SLOTS;

    while (bi_table[h]) {
        if (!strcmp(bi_table[h]->name, name)) return bi_table[h];
        h = (h + 1) % BI_SLOTS;
    }
    return NULL;
}

/* ---------------------------------------------------------------- keywords */

/* The words the parser treats apart (lower-case; PHP's are caseless). */
enum {
    K_NONE,
    K_FUNCTION,
    K_FN,
    K_CLASS,
    K_MODIFIER,
    K_SKIP,
    K_STATIC,
    K_CONST,
    K_PAREN,
    K_LOOP,
    K_DO,
    K_FOREACH,
    K_RETURN,
    K_ECHO,
    K_NAMESPACE,
    K_USE,
    K_GLOBAL,
    K_HALT,
    K_CASE,
    K_INCLUDE,
    K_EVAL,
    K_PRINTLIKE,
    K_NEW,
    K_ARRAY,
    K_LIST,
    K_ISSETLIKE,
    K_EXIT,
    K_TRUE,
    K_FALSE,
    K_FILE,
    K_PHP_EOL,
};

static const struct { const char *word; int kw; } keywords[] = {
    { "function", K_FUNCTION },
    { "fn", K_FN },
    { "class", K_CLASS },
    { "interface", K_CLASS },
    { "trait", K_CLASS },
    { "enum", K_CLASS },
    { "abstract", K_MODIFIER },
    { "final", K_MODIFIER },
    { "readonly", K_MODIFIER },
    { "public", K_MODIFIER },
    { "private", K_MODIFIER },
    { "protected", K_MODIFIER },
    { "var", K_MODIFIER },
    { "else", K_SKIP },
    { "do", K_DO },
    { "try", K_SKIP },
    { "finally", K_SKIP },
    { "default", K_SKIP },
    { "break", K_SKIP },
    { "continue", K_SKIP },
    { "goto", K_SKIP },
    { "endif", K_SKIP },
    { "endwhile", K_SKIP },
    { "endfor", K_SKIP },
    { "endforeach", K_SKIP },
    { "endswitch", K_SKIP },
    { "enddeclare", K_SKIP },
    { "static", K_STATIC },
    { "const", K_CONST },
    { "if", K_PAREN },
    { "elseif", K_PAREN },
    { "while", K_LOOP },
    { "switch", K_PAREN },
    { "for", K_LOOP },
    { "declare", K_PAREN },
    { "catch", K_PAREN },
    { "foreach", K_FOREACH },
    { "return", K_RETURN },
    { "echo", K_ECHO },
    { "namespace", K_NAMESPACE },
    { "use", K_USE },
    { "global", K_GLOBAL },
    { "__halt_compiler", K_HALT },
    { "case", K_CASE },
    { "include", K_INCLUDE },
    { "include_once", K_INCLUDE },
    { "require", K_INCLUDE },
    { "require_once", K_INCLUDE },
    { "eval", K_EVAL },
    { "print", K_PRINTLIKE },
    { "clone", K_PRINTLIKE },
    { "yield", K_PRINTLIKE },
    { "throw", K_PRINTLIKE },
    { "new", K_NEW },
    { "array", K_ARRAY },
    { "list", K_LIST },
    { "isset", K_ISSETLIKE },
    { "empty", K_ISSETLIKE },
    { "unset", K_ISSETLIKE },
    { "exit", K_EXIT },
    { "die", K_EXIT },
    { "true", K_TRUE },
    { "false", K_FALSE },
    { "null", K_FALSE },
    { "__file__", K_FILE },
    { "php_eol", K_PHP_EOL },
    { NULL, K_NONE }
};

#define KW_SLOTS 256
#define KW_MAX 16                /* bytes of the longest keyword */
static const char *kw_word[KW_SLOTS];
static int kw_id[KW_SLOTS];

static void kw_init(void)
{
    int i;

    for (i = 0; keywords[i].word; i++) {
        unsigned h = hash_name(keywords[i].word, strlen(keywords[i].word)) % KW_SLOTS;
        while (kw_word[h]) h = (h + 1) % KW_SLOTS;
        kw_word[h] = keywords[i].word;
        kw_id[h] = keywords[i].kw;
    }
}

/* The keyword T is (K_NONE for any other token). */
static int kw_of(const sg_tok_t *t)
{
    char low[KW_MAX + 1];
    apr_size_t i;
    unsigned h;

    if (t->kind != SG_TK_NAME || t->len > KW_MAX) return K_NONE;
    for (i = 0; i < t->len; i++) low[i] = (char)apr_tolower(t->text[i]);
    low[i] = '\0';
    for (h = hash_name(low, t->len) % KW_SLOTS; kw_word[h]; h = (h + 1) % KW_SLOTS) {
        if (!strcmp(kw_word[h], low)) return kw_id[h];
    }
    return K_NONE;
}

/* ---------------------------------------------------------------- the pass */

/* A file request data was written to: the source text of its path (its
 * variables and literals name it in a later command) and the data. */
typedef struct written_t {
    sg_php_str_t path;
    pval_t data;
} written_t;

typedef struct an_t {
    apr_pool_t *p;
    sg_php_lexer_t lx;
    sg_tok_t la[3];                    /* lookahead: significant tokens */
    int nla;
    const char *prev_end;              /* end of the last token taken */
    int wp_user_req;                   /* line of a WordPress user made of request
                                        * data (0: none) */
    int wp_admin;                      /* 1: the administrator role is given in the
                                        * function that made that user */
    const void *wp_user_fn;            /* that function (NULL: top level) */
    const char *prev_text;             /* the first byte of the last token taken (NULL:
                                        * none; prev_end is its end) */
    unsigned long junk;                /* bytes in code PHP 8 rejects (control
                                        * characters outside strings) */
    apr_size_t junk_line;              /* line of the first of them */
    const sg_php_limits_t *lim;
    apr_size_t budget;                 /* bytes constants may still take */
    unsigned long ticks;               /* tokens read */
    int stop;                          /* the budget is spent */
    int depth;                         /* recursion */
    scope_t *scope, *global;
    apr_hash_t *funcs;                 /* lower-case name -> func_t* */
    apr_hash_t *props;                 /* property name -> pval_t* */
    apr_hash_t *prop_sinks;            /* property name -> prop_sink_t*: read by a sink */
    apr_hash_t *consts;                /* define()d name -> pval_t* */
    apr_hash_t *written;               /* constant path -> pval_t*: the request data
                                        * file_put_contents() wrote there */
    written_t wfiles[MAX_WFILES];      /* files request data was written to, by the
                                        * source text of their path (exec_written) */
    int nwfiles;
    sg_php_str_t wopen[MAX_WFILES];    /* paths fopen()ed for writing (source text) */
    unsigned char wopen_php[MAX_WFILES]; /* 1: that path's value names a PHP file */
    int nwopen;
    const char *shell_pipes;           /* proc_open(SHELL, spec, $pipes): "pipes" */
    apr_size_t shell_pipes_len;
    pval_t session;                    /* what $_SESSION holds */
    int session_read_clean;            /* $_SESSION was read before request data
                                        * was stored in it (pass 1) */
    pval_t ob_cb;                      /* the output callback ob_start() installed */
    int ob_set;                        /* ...when 1 */
    func_t *fn;                        /* the function being read, or NULL */
    int class_body;                    /* 1: at the top of a class body */
    int pass;                          /* 1 or 2 */
    int unresolved;                    /* a user function was called before its body */
    int late_sink;                     /* ...with short constants (LATE_SINK) */
    int late_params;                   /* ...with parameters of the caller */
    int unres_sink;                    /* a sink received a V_UNRES value */
    int src_to_user;                   /* a user function was handed request data */
    sg_php_facts_t *out;
    apr_hash_t *seen;                  /* facts already said */
    int request_read;                  /* request data was read */
    char *strs;                        /* decoded strings for the signatures, "\n" apart */
    apr_size_t strs_len, strs_cap;     /* bytes used, allocated (at most MAX_STRS) */
    const char *reads[8];              /* variables read since an assignment's start */
    apr_size_t readlen[8];
    int nreads;                        /* entries used; 9: more than fit */
    apr_size_t arr_copied;             /* bytes element assignments copied */
    apr_hash_t *early;                 /* pass 1: functions called before (or
                                        * without) a definition: LATE_* masks */
    unsigned long inline_ticks;        /* tokens read again by inline_call */
    apr_hash_t *var_uses;              /* "$NAME" in the text: var_use_t (never_set) */
    int code;                          /* the buffer is eval'd code, not a file */
    int inline_depth;
    int evals_read;                    /* eval_in_scope() readings */
    int arr_off;                       /* > 0: inside an array literal not kept */
    const pval_t *unser;               /* unserialize() of request data (first), or NULL */
    int unser_line;
    const char *magic_sink;            /* a sink a magic method hands a property, or NULL */
    const char *magic_fn;              /* ...in this method */
    const char *magic_prop;            /* ...the property */
    int magic_kind, magic_line;
    int loop;                          /* > 0: in a loop's head or body: V_UNDEF is
                                        * off, ++/-- give an unknown */
    int alt_loop;                      /* a loop in the "while (...):" form was met:
                                        * where it ends is not tracked (V_UNDEF off) */
} an_t;

static void advance(an_t *a);

/* Text whose "code" holds JUNK_NOT_CODE bytes or more that PHP rejects is
 * binary data with a "<?" in it (an image, a font, a video), not a program:
 * PHP 8 would not compile it, and what the pass read into it is noise.  Its
 * facts and payloads are dropped for one "notcode" fact (not_code()); the
 * rules that match the raw bytes (polyglots, code after an image header)
 * still run.  The threshold is above one so that one stray byte in a real
 * shell, which PHP 7 skipped, does not hide it.  The pass stops at the poll
 * after the count is reached: the rest of a zip or a video is not read. */
#define JUNK_NOT_CODE 3

static int poll_budget(an_t *a)
{
    if (a->stop) return 1;
    if (a->lx.junk >= JUNK_NOT_CODE && a->inline_depth == 0) {
        a->stop = 1;                   /* not out->stopped: no budget was spent */
        return 1;
    }
    if (a->lim && a->lim->over_budget && a->lim->over_budget(a->lim->baton)) {
        a->stop = 1;
        a->out->stopped = 1;
    }
    return a->stop;
}

/* The next significant token from the lexer: blanks and comments dropped,
 * inline HTML and tags turned into statement ends. */
static void lex_sig(an_t *a, sg_tok_t *t)
{
    for (;;) {
        if (a->stop) {
            /* an end where the lexer stands: its text is a real position,
             * as the lexer's own end token's is (advance() steps past it) */
            memset(t, 0, sizeof(*t));
            t->kind = SG_TK_END;
            t->text = a->lx.buf + a->lx.pos;
            return;
        }
        sg_php_lex_skip_blanks(&a->lx);
        sg_php_lex_next(&a->lx, t);
        if (++a->ticks % POLL_EVERY == 0 && poll_budget(a)) continue;
        switch (t->kind) {
        case SG_TK_WS: case SG_TK_COMMENT: case SG_TK_DOC_COMMENT: case SG_TK_OPEN:
            continue;
        case SG_TK_HTML: case SG_TK_CLOSE:
            t->kind = SG_TK_OP;
            t->text = ";";
            t->len = 1;
            return;
        case SG_TK_OPEN_ECHO:
            t->kind = SG_TK_NAME;
            t->text = "echo";
            t->len = 4;
            return;
        default:
            return;
        }
    }
}

static sg_tok_t *peek(an_t *a, int k)
{
    while (a->nla <= k) lex_sig(a, &a->la[a->nla++]);
    return &a->la[k];
}

static void advance(an_t *a)
{
    sg_tok_t *t = peek(a, 0);

    a->prev_end = t->text + t->len;
    a->prev_text = t->text;
    memmove(&a->la[0], &a->la[1], sizeof(sg_tok_t) * 2);
    a->nla--;
}

static int at_end(an_t *a)
{
    return peek(a, 0)->kind == SG_TK_END;
}

/* Token K ahead is the operator OP (a string literal). */
#define is_op(a, k, o) (peek((a), (k))->op == SG_OP(o) && peek((a), (k))->kind == SG_TK_OP)
#define TOK_IS(t, o) ((t)->op == SG_OP(o) && (t)->kind == SG_TK_OP)
/* The same for an operator code held in a variable. */
#define is_code(a, k, c) (peek((a), (k))->op == (c) && peek((a), (k))->kind == SG_TK_OP)

/* Takes the current token when it is OP. */
#define take(a, o) (is_op((a), 0, o) ? (advance(a), 1) : 0)

/* The lower-case name of a NAME token, namespace prefix dropped. */
static const char *name_of(an_t *a, const sg_tok_t *t)
{
    const char *s = t->text, *bs;
    apr_size_t n = t->len;
    char *o;
    apr_size_t i;

    while ((bs = memchr(s, '\\', n)) != NULL) {
        n -= (apr_size_t)(bs - s) + 1;
        s = bs + 1;
    }
    o = apr_palloc(a->p, n + 1);
    for (i = 0; i < n; i++) o[i] = (char)apr_tolower(s[i]);
    o[n] = '\0';
    return o;
}

static int is_name(an_t *a, int k, const char *word)
{
    sg_tok_t *t = peek(a, k);
    apr_size_t n = strlen(word);

    return t->kind == SG_TK_NAME && t->len == n && !strncasecmp(t->text, word, n);
}

/* ---------------------------------------------------------------- decoded strings */

/* Keeps S[0..N), a string an obfuscator hid (an escaped literal, a short
 * decoded or xor-built value), for the signatures: they read these strings
 * as one decoded layer, as they read the de-obfuscator's normalised copy. */
static void keep_string(an_t *a, const char *s, apr_size_t n)
{
    /* bounded as every payload: MAX_STRS, and the caller's byte limit */
    if (n < 4 || a->pass != 1 || a->strs_len + n + 1 > MAX_STRS
        || (a->lim && a->lim->max_bytes && a->strs_len + n + 1 > a->lim->max_bytes)) {
        return;
    }
    if (a->strs_len + n + 1 > a->strs_cap) {
        apr_size_t cap = a->strs_cap ? a->strs_cap * 2 : 4096;
        char *b;
        while (cap < a->strs_len + n + 1) cap *= 2;
        if (cap > MAX_STRS) cap = MAX_STRS;
        b = apr_palloc(a->p, cap + 1);
        if (a->strs_len) memcpy(b, a->strs, a->strs_len);
        a->strs = b;
        a->strs_cap = cap;
    }
    memcpy(a->strs + a->strs_len, s, n);
    a->strs_len += n;
    a->strs[a->strs_len++] = '\n';
    a->strs[a->strs_len] = '\0';
}

/* ---------------------------------------------------------------- facts */

/* An array key as a chain names it: at most 40 bytes, control bytes as '?'
 * (a fact is one line). */
static const char *key_text(an_t *a, const sg_php_str_t *k)
{
    char *o = apr_pstrmemdup(a->p, k->s, k->n < 40 ? k->n : 40);
    char *c;

    for (c = o; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
    }
    return o;
}

static void fact(an_t *a, const char *line)
{
    if (a->out->lines->nelts >= MAX_FACTS || apr_hash_get(a->seen, line, APR_HASH_KEY_STRING)) {
        return;
    }
    apr_hash_set(a->seen, line, APR_HASH_KEY_STRING, "");
    APR_ARRAY_PUSH(a->out->lines, const char *) = line;
}

static const char *chain_text(an_t *a, const origin_t *o, const char *sink, int line)
{
    const char *steps[MAX_CHAIN];
    int n = 0, i;
    const char *s = "";

    for (; o && n < MAX_CHAIN; o = o->prev) steps[n++] = apr_psprintf(a->p, "%s (line %d)", o->what, o->line);
    for (i = n - 1; i >= 0; i--) s = apr_pstrcat(a->p, s, steps[i], " -> ", NULL);
    return apr_psprintf(a->p, "%s%s (line %d)", s, sink, line);
}

static void taint_fact(an_t *a, int kind, const char *sink, const pval_t *v, int line)
{
    if (!(v->taint & T_SRC)) return;
    fact(a, apr_psprintf(a->p, "taint %s %s src=%s line=%d via=%s", sink_kind[kind], sink,
                         (v->taint & T_REQ) ? "request" : "net", line,
                         chain_text(a, v->org, apr_pstrcat(a->p, sink, "()", NULL), line)));
}

static const char *const cap_names[SG_CAP_COUNT] = {
    "exec", "eval", "filelist", "fileedit", "upload", "db", "socket", "mail", "selfdel",
    "pwgate", "recon", "timestomp", "symlink", "stealth", "request", "chmod", "readany", "browse"
};

static void cap(an_t *a, unsigned bits, int line)
{
    int i;

    if (!(bits & ~a->out->caps)) return;
    for (i = 0; i < SG_CAP_COUNT; i++) {
        if ((bits & (1u << i)) && !(a->out->caps & (1u << i))) {
            fact(a, apr_psprintf(a->p, "cap %s line=%d", cap_names[i], line));
        }
    }
    a->out->caps |= bits;
}

/* A sink reached by V: a fact when V carries source data; the current
 * function's summary learns which parameters reach it. */
/* A global the file never sets reaching a code, exec or callname sink. */
static const origin_t *step(an_t *a, const origin_t *prev, const char *what, int line);

/* The request key "$_GET['NAME']" (or $_POST, $_REQUEST, $_COOKIE, either
 * quote) this file reads for the variable "$NAME" VAR, or NULL: under
 * register_globals PHP made $NAME from it. */
static const char *request_key_for(an_t *a, const char *var)
{
    static const char *const sg[] = { "$_GET[", "$_POST[", "$_REQUEST[", "$_COOKIE[", NULL };
    const char *buf = a->lx.buf;
    apr_size_t len = a->lx.len, n, i;
    char key[80];
    int q;

    if (var[0] != '$' || (n = strlen(var + 1)) == 0 || n > 60) return NULL;
    for (i = 0; sg[i]; i++) {
        for (q = 0; q < 2; q++) {
            apr_size_t k = (apr_size_t)apr_snprintf(key, sizeof(key), "%s%c%s%c]", sg[i],
                                                    q ? '"' : '\'', var + 1, q ? '"' : '\'');
            if (sg_memfind(buf, len, key, k)) return apr_pstrdup(a->p, key);
        }
    }
    return NULL;
}

static void unset_fact(an_t *a, int kind, const char *name, const pval_t *v, int line)
{
    const origin_t *root;
    const char *key;

    if (!(v->taint & T_UNSET) || (v->taint & T_SRC)
        || !(kind == SK_CODE || kind == SK_EXEC || kind == SK_CALLNAME)) {
        return;
    }
    for (root = v->org; root && root->prev; root = root->prev) continue;
    if (root && (key = request_key_for(a, root->what)) != NULL) {
        /* if (isset($_GET['cmd'])) system($cmd): a register_globals shell;
         * the file names the request key the variable came from */
        pval_t d = *v;
        d.taint = (v->taint & ~T_UNSET) | T_REQ;
        d.org = step(a, v->org, apr_psprintf(a->p, "(register_globals: %s)", key), line);
        taint_fact(a, kind, name, &d, line);
        return;
    }
    fact(a, apr_psprintf(a->p, "unset %s %s line=%d via=%s", sink_kind[kind], name, line,
                         chain_text(a, v->org, apr_pstrcat(a->p, name, "()", NULL), line)));
}

/* Methods PHP calls on an object it unserialized, by itself. */
static int magic_method(const char *name)
{
    static const char *const magic[] = { "__destruct", "__wakeup", "__unserialize",
                                         "__tostring", "__call", "__get", "__set", "__invoke",
                                         NULL };
    int i;

    for (i = 0; magic[i]; i++) {
        if (!strcmp(name, magic[i])) return 1;
    }
    return 0;
}

/* A code, command, include or callee sink a magic method hands one of the
 * object's properties: whoever builds the object (unserialize() of request
 * data) chooses what runs (an_t.magic_sink, see objinject_fact()). */
static void magic_sink(an_t *a, int kind, const char *name, const pval_t *v, int line)
{
    if (a->magic_sink || !a->fn || v->lv != LV_PROP || !magic_method(a->fn->name)) return;
    if (kind != SK_CODE && kind != SK_EXEC && kind != SK_INCLUDE && kind != SK_CALLNAME) return;
    a->magic_sink = name;
    a->magic_fn = a->fn->name;
    a->magic_prop = v->lvname ? apr_pstrmemdup(a->p, v->lvname, v->lvlen) : "?";
    a->magic_kind = kind;
    a->magic_line = line;
}

/* Request data unserialized in a file whose class runs a property from a
 * magic method: a PHP object injection backdoor (a POP gadget and its
 * trigger in one file). */
static void objinject_fact(an_t *a)
{
    const char *via;

    if (!a->unser || !a->magic_sink) return;
    via = chain_text(a, step(a, a->unser->org, "unserialize()", a->unser_line),
                     apr_psprintf(a->p, "%s() $this->%s -> %s()", a->magic_fn, a->magic_prop,
                                  a->magic_sink),
                     a->magic_line);
    fact(a, apr_psprintf(a->p, "taint objinject %s src=request line=%d kind=%s via=%s",
                         a->magic_sink, a->magic_line, sink_kind[a->magic_kind], via));
}

static void sink(an_t *a, int kind, const char *name, const pval_t *v, int line)
{
    unsigned params = v->taint & ~(T_SRC | T_DERIVED);

    if (v->flags & V_UNRES) a->unres_sink = 1;
    if (kind == SK_CODE && (v->taint & T_DERIVED) && !(v->taint & T_SRC)) {
        /* eval(decode_it($_POST['p'])): code the request chose, whatever
         * the decoder does with it */
        pval_t d = *v;
        d.taint = (v->taint & ~T_DERIVED) | T_REQ;
        taint_fact(a, kind, name, &d, line);
    }
    magic_sink(a, kind, name, v, line);
    if (v->lv == LV_PROP && v->lvname && !apr_hash_get(a->prop_sinks, v->lvname, (apr_ssize_t)v->lvlen)) {
        prop_sink_t *ps = apr_palloc(a->p, sizeof(*ps));
        ps->kind = kind;
        ps->sink = name;
        ps->line = line;
        apr_hash_set(a->prop_sinks, v->lvname, (apr_ssize_t)v->lvlen, ps);
    }
    taint_fact(a, kind, name, v, line);
    unset_fact(a, kind, name, v, line);
    params &= ~T_UNSET;
    if (a->fn && params) {
        a->fn->sink_params[kind] |= params;
        a->fn->sink_name[kind] = name;
        a->fn->sink_line[kind] = line;
    }
}

/* ---------------------------------------------------------------- values */

static void unknown(pval_t *v)
{
    memset(v, 0, sizeof(*v));
}

static void set_const(pval_t *v, const char *s, apr_size_t n, unsigned flags)
{
    unknown(v);
    v->c.s = s;
    v->c.n = n;
    v->flags = flags;
}

/* Merges what B carries into A (taint and origin; constants are lost). */
/* Builtins that take data apart into items (B_PROP ones).  Called for
 * every B_PROP call: the first letter sorts out most names. */
static int is_parser(const char *name)
{
    static const char *const arrays[] = { "values", "keys", "flip", "slice", "merge", "reverse",
                                          NULL };
    int i;

    switch (name[0]) {
    case 'j': return !strcmp(name, "json_decode");
    case 'e': return !strcmp(name, "explode");
    case 's': return !strcmp(name, "str_split");
    case 'u': return !strcmp(name, "unserialize");
    case 'a':
        if (strncmp(name, "array_", 6)) return 0;
        for (i = 0; arrays[i]; i++) {
            if (!strcmp(name + 6, arrays[i])) return 1;
        }
        return 0;
    default:
        return 0;
    }
}

static void merge(pval_t *a, const pval_t *b)
{
    if (!(a->taint & T_SRC) && (b->taint & T_SRC)) a->org = b->org;
    a->taint |= b->taint;
    a->flags |= b->flags & (V_SELF | V_OPAQUE | V_PARSED);
    a->c.s = NULL;
    a->arr = NULL;
    a->fn = a->fn ? a->fn : b->fn;
    a->lv = LV_NONE;
}

static const origin_t *step(an_t *a, const origin_t *prev, const char *what, int line)
{
    origin_t *o = apr_palloc(a->p, sizeof(*o));

    o->what = what;
    o->line = line;
    o->prev = prev;
    return o;
}

static pval_t *var_get(an_t *a, const char *name, apr_size_t n)
{
    scope_t *s;

    for (s = a->scope; s; s = s->parent) {
        pval_t *v = apr_hash_get(s->vars, name, (apr_ssize_t)n);
        if (v) return v;
    }
    return NULL;
}

static void var_set(an_t *a, scope_t *s, const char *name, apr_size_t n, const pval_t *v)
{
    pval_t *slot = apr_hash_get(s->vars, name, (apr_ssize_t)n);

    if (!slot) {
        slot = apr_palloc(a->p, sizeof(*slot));
        apr_hash_set(s->vars, apr_pstrmemdup(a->p, name, n), (apr_ssize_t)n, slot);
    }
    *slot = *v;
    slot->lv = LV_NONE;
}

static int is_superglobal(const char *name, apr_size_t n, int *session)
{
    static const char *const req[] = { "_GET", "_POST", "_REQUEST", "_COOKIE", "_FILES",
                                       "HTTP_GET_VARS", "HTTP_POST_VARS", "HTTP_COOKIE_VARS",
                                       "HTTP_POST_FILES", "HTTP_RAW_POST_DATA", NULL };
    int i;

    *session = n == 8 && !memcmp(name, "_SESSION", 8);
    if (n < 4 || (name[0] != '_' && name[0] != 'H')) return 0;   /* most names: no look */
    for (i = 0; req[i]; i++) {
        if (strlen(req[i]) == n && !memcmp(req[i], name, n)) return 1;
    }
    return 0;
}

/* 1 when an item of the constant array ARR names a request superglobal
 * ("_POST", "_COOKIE"...): $$x over it reads the request. */
static int names_superglobal(const arr_t *arr)
{
    int i, session;

    for (i = 0; i < arr->n; i++) {
        if (arr->v[i].s && is_superglobal(arr->v[i].s, arr->v[i].n, &session)) return 1;
    }
    return 0;
}

/* $_GP, $_X: a superglobal-looking name that PHP does not define and this
 * file never assigned: a copy of the request made in another file (the
 * request, in shells split in two). */
static int made_up_superglobal(const char *name, apr_size_t n)
{
    apr_size_t i;

    if (n < 2 || n > 8 || name[0] != '_') return 0;
    if ((n == 4 && !memcmp(name, "_ENV", 4)) || (n == 8 && !memcmp(name, "_SESSION", 8))) return 0;
    for (i = 1; i < n; i++) {
        if (!(name[i] >= 'A' && name[i] <= 'Z')) return 0;
    }
    return 1;
}

/* How the file's text uses "$NAME": occurrences, and whether one is followed
 * by "=" (an assignment). */
typedef struct var_use_t {
    int uses;
    int assigned;
} var_use_t;

/* Counts every "$NAME" of the buffer once per file (first need), so that
 * never_set() is a lookup: linear in the buffer. */
static void count_var_uses(an_t *a)
{
    const char *p = a->lx.buf, *end = a->lx.buf + a->lx.len;

    a->var_uses = apr_hash_make(a->p);
    while (p < end && (p = memchr(p, '$', (apr_size_t)(end - p))) != NULL) {
        const char *nm = ++p, *q;
        var_use_t *u;
        while (p < end && (apr_isalnum(*p) || *p == '_' || (unsigned char)*p >= 0x80)) p++;
        if (p == nm || p - nm > 64) continue;
        u = apr_hash_get(a->var_uses, nm, p - nm);
        if (!u) {
            u = apr_pcalloc(a->p, sizeof(*u));
            apr_hash_set(a->var_uses, nm, p - nm, u);
        }
        u->uses++;
        for (q = p; q < end && (*q == ' ' || *q == '\t'); q++) continue;
        /* "$v =", "$v[...] =" (or a read of an element: counted as set), "$v .=";
         * not "$v == ...", nor "$v . 'x'" (a read) */
        if (q < end && (*q == '=' || *q == '[' || (*q == '.' && q + 1 < end && q[1] == '='))
            && !(q + 1 < end && q[1] == '=' && *q == '=')) {
            u->assigned = 1;
        }
    }
}

/* 1 when the global NAME is set nowhere in the file and used at most four
 * times (foreach, list() or global could set it otherwise), and is no
 * variable PHP itself sets. */
static int never_set(an_t *a, const char *name, apr_size_t n)
{
    static const char *const php_sets[] = { "argv", "argc", "php_errormsg",
                                            "http_response_header", "this", NULL };
    var_use_t *u;
    int i;

    for (i = 0; php_sets[i]; i++) {
        if (strlen(php_sets[i]) == n && !memcmp(php_sets[i], name, n)) return 0;
    }
    if (made_up_superglobal(name, n)) return 0;
    if (!a->var_uses) count_var_uses(a);
    u = apr_hash_get(a->var_uses, name, (apr_ssize_t)n);
    return u && !u->assigned && u->uses <= 4;
}

/* The value of the variable NAME (without '$'). */
static void read_var(an_t *a, const char *name, apr_size_t n, int line, pval_t *out)
{
    pval_t *v;
    int session;

    if (is_superglobal(name, n, &session)) {
        unknown(out);
        out->taint = T_REQ;
        out->org = step(a, NULL, apr_pstrcat(a->p, "$", apr_pstrmemdup(a->p, name, n), NULL), line);
        a->request_read = 1;
        cap(a, SG_CAP_REQUEST, line);
        return;
    }
    if (n == 7 && !memcmp(name, "_SERVER", 7)) {
        unknown(out);
        out->flags = V_SERVER;
        return;
    }
    if (session) {
        *out = a->session;
        out->lv = LV_SESSION;
        if (!(a->session.taint & T_SRC)) a->session_read_clean = 1;
        return;
    }
    v = var_get(a, name, n);
    if (v) *out = *v;
    else if (a->scope == a->global && !a->fn && a->pass == 1 && !a->scope->extracted
             && never_set(a, name, n)) {
        unknown(out);
        out->taint = T_UNSET;
        out->org = step(a, NULL, apr_pstrcat(a->p, "$", apr_pstrmemdup(a->p, name, n), NULL), line);
    }
    else if (a->scope->extracted || made_up_superglobal(name, n)) {
        unknown(out);
        out->taint = T_REQ;
        out->org = step(a, NULL, a->scope->extracted ? "extract()"
                                 : apr_pstrcat(a->p, "$", apr_pstrmemdup(a->p, name, n), NULL),
                        line);
    }
    else {
        unknown(out);
        if (!a->loop && !a->alt_loop) out->flags = V_UNDEF;
    }
    out->lv = LV_VAR;
    out->lvname = apr_pstrmemdup(a->p, name, n);
    out->lvlen = n;
    if (a->nreads < 8) {
        a->reads[a->nreads] = out->lvname;
        a->readlen[a->nreads] = n;
    }
    if (a->nreads < 9) a->nreads++;
}

/* 1 when the variable NAME was read since mark FROM (or too many were). */
static int read_since(const an_t *a, int from, const char *name, apr_size_t n)
{
    int i;

    if (a->nreads > 8) return 1;
    for (i = from; i < a->nreads; i++) {
        if (a->readlen[i] == n && !memcmp(a->reads[i], name, n)) return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- parser */

static void expr(an_t *a, int minprec, pval_t *out);
static void statement(an_t *a);
static void block(an_t *a);
static void top(an_t *a);
static void call_value(an_t *a, pval_t *callee, int line, pval_t *out, const char *what);

static void lex_save(const an_t *a, lexpos_t *at)
{
    at->lx = a->lx;
    memcpy(at->la, a->la, sizeof(at->la));
    at->nla = a->nla;
    at->prev_end = a->prev_end;
    at->prev_text = a->prev_text;
}

static void lex_restore(an_t *a, const lexpos_t *at)
{
    a->lx = at->lx;
    memcpy(a->la, at->la, sizeof(a->la));
    a->nla = at->nla;
    a->prev_end = at->prev_end;
    a->prev_text = at->prev_text;
}

static int enter(an_t *a)
{
    if (a->depth >= MAX_DEPTH || a->stop) return 0;
    a->depth++;
    return 1;
}

/* Skips a balanced group starting at the current opening token. */
static void skip_group(an_t *a)
{
    int depth = 0;

    do {
        sg_tok_t *t = peek(a, 0);
        if (t->kind == SG_TK_END) return;
        if (t->kind == SG_TK_OP && t->len == 1) {
            if (strchr("([{", t->text[0])) depth++;
            else if (strchr(")]}", t->text[0])) depth--;
        }
        advance(a);
    } while (depth > 0);
}

static const char *callee_kind(const char *name);
static int obf_level(const pval_t *v);

/* An argument that folds to the name of a code or command function, built
 * rather than written (usort($a, str_rot13('nffreg')), PDO's FETCH_FUNC):
 * a callback is being hidden. */
static void hidden_callable(an_t *a, const pval_t *v)
{
    char name[40];
    const char *kind;
    apr_size_t i;

    for (i = 0; i < v->c.n; i++) name[i] = (char)apr_tolower(v->c.s[i]);
    name[i] = '\0';
    kind = callee_kind(name);
    if (kind && (!strcmp(kind, "code") || !strcmp(kind, "exec"))) {
        fact(a, apr_psprintf(a->p, "dyncall callback %s obf=%d line=%d", name, obf_level(v),
                             (int)peek(a, 0)->line));
    }
}

typedef struct args_t {
    int n;                             /* arguments read (all, even past MAX_ARGS) */
    pval_t v[MAX_ARGS];
    pval_t all;                        /* every argument merged */
    const char *text[MAX_ARGS];        /* each argument's source text... */
    apr_size_t tlen[MAX_ARGS];         /* ...and its length (see exec_written) */
} args_t;

/* Reads "( args )" (the '(' is current). */
static void read_args(an_t *a, args_t *args)
{
    const char *start;

    memset(args, 0, sizeof(*args));
    advance(a);
    while (!at_end(a) && !is_op(a, 0, ")")) {
        pval_t v;
        int spread;
        if (peek(a, 0)->kind == SG_TK_NAME && is_op(a, 1, ":") ) {
            advance(a);                /* named argument */
            advance(a);
        }
        spread = take(a, "...");
        start = peek(a, 0)->text;
        expr(a, 1, &v);
        if ((v.flags & V_OBF) && v.c.s && v.c.n < 40) hidden_callable(a, &v);
        if (args->n < MAX_ARGS) {
            args->v[args->n] = v;
            /* a token the lexer made up (";" for a close tag) is not in the buffer */
            if (start && a->prev_end >= start && a->prev_end - start < 65536) {
                args->text[args->n] = start;
                args->tlen[args->n] = (apr_size_t)(a->prev_end - start);
            }
        }
        merge(&args->all, &v);
        args->n++;
        if (spread && (v.taint & T_SRC) && is_op(a, 0, ")")) {
            /* f(...$_GET): the request's items are the arguments from here
             * on, a callback's place among them (usort(...$_GET)) */
            int k;
            for (k = 0; k < MAX_SPREAD && args->n < MAX_ARGS; k++) args->v[args->n++] = v;
        }
        if (!take(a, ",")) break;
    }
    take(a, ")");
}

static sg_php_arg_t *fold_args(an_t *a, const args_t *args)
{
    sg_php_arg_t *fa = apr_pcalloc(a->p, sizeof(*fa) * MAX_ARGS);
    int i, n = args->n < MAX_ARGS ? args->n : MAX_ARGS;

    for (i = 0; i < n; i++) {
        fa[i].v = args->v[i].c;
        if (args->v[i].arr) {
            fa[i].items = args->v[i].arr->v;
            fa[i].nitems = args->v[i].arr->n;
        }
    }
    return fa;
}

static unsigned consts_flags(const args_t *args)
{
    unsigned f = 0;
    int i;

    for (i = 0; i < args->n && i < MAX_ARGS; i++) f |= args->v[i].flags;
    return f;
}

static int consts_only(const args_t *args)
{
    int i;

    for (i = 0; i < args->n && i < MAX_ARGS; i++) {
        if (!args->v[i].c.s && !args->v[i].arr) return 0;
    }
    return args->n <= MAX_ARGS;
}

/* Drops the decoded-data payloads that ARGS decode further: only the last
 * decoder's output of a chain is worth matching (base64 then gzinflate:
 * the compressed bytes are not). */
static void consume_data(an_t *a, const args_t *args)
{
    apr_array_header_t *pls = a->out->payloads;
    int i, k;

    for (i = pls->nelts - 1; i >= 0 && i >= pls->nelts - 4; i--) {
        sg_php_payload_t *pl = &APR_ARRAY_IDX(pls, i, sg_php_payload_t);
        for (k = 0; k < args->n && k < MAX_ARGS; k++) {
            if (!pl->sink && args->v[k].c.s == pl->buf) {
                *pl = APR_ARRAY_IDX(pls, pls->nelts - 1, sg_php_payload_t);
                pls->nelts--;
                break;
            }
        }
    }
}

/* Folds the builtin NAME, called at LINE, over constant ARGS into OUT (flags
 * and decoder depth carried). */
static int try_fold(an_t *a, const char *name, const args_t *args, int line, pval_t *out)
{
    sg_php_str_t r;
    int decoder = 0, i, dec = 0;
    apr_size_t max = a->budget < MAX_CONST ? a->budget : MAX_CONST;

    if (!consts_only(args) || !sg_php_fold_known(name)) return 0;
    if (!sg_php_fold_call(name, fold_args(a, args), args->n, max, a->p, &r, &decoder)) return 0;
    a->budget -= r.n < a->budget ? r.n : a->budget;
    for (i = 0; i < args->n && i < MAX_ARGS; i++) {
        if (args->v[i].dec > dec) dec = args->v[i].dec;
    }
    set_const(out, r.s, r.n, V_OBF | (decoder || !strcmp(name, "chr") ? V_STRONG : 0)
                             | (consts_flags(args) & V_STRONG));
    out->dec = dec + decoder;
    consume_data(a, args);
    if ((out->flags & V_STRONG) && r.n < MIN_DATA_PAYLOAD) keep_string(a, r.s, r.n);
    if (decoder && r.n >= MIN_DATA_PAYLOAD && a->out->payloads->nelts < MAX_PAYLOADS
        && !(a->pass == 2)) {
        /* Decoded data, wherever it goes (a dropped script, a mailer's
         * template): matched as a layer of its own. */
        sg_php_payload_t *pl = apr_array_push(a->out->payloads);
        pl->buf = r.s;
        pl->len = r.n;
        /* the call's line: the token after it may be the end of the input,
         * which has none */
        pl->line = line;
        pl->sink = NULL;
    }
    return 1;
}

/* How a name was built: 0 written plainly, 1 assembled, 2 assembled the way
 * only obfuscators do (V_STRONG). */
static int obf_level(const pval_t *v)
{
    return (v->flags & V_STRONG) ? 2 : (v->flags & V_OBF) ? 1 : 0;
}

/* The kind of function NAME is, for dyncall facts; NULL for the harmless. */
static const char *callee_kind(const char *name)
{
    static const char *const file[] = { "file_put_contents", "fwrite", "fputs", "fopen",
                                        "move_uploaded_file", "copy", "unlink", "include", NULL };
    static const char *const decode[] = { "base64_decode", "gzinflate", "gzuncompress",
                                          "gzdecode", "str_rot13", "strrev", "hex2bin",
                                          "convert_uudecode", "urldecode", "rawurldecode", NULL };
    const builtin_t *b = builtin(name);
    int i;

    if (b && b->role == B_CODE) return "code";
    if (b && b->role == B_EXEC) return "exec";
    if (b && b->role == B_CALLBACK && strcmp(name, "ob_start") && strcmp(name, "spl_autoload_register")) {
        return "callback";
    }
    for (i = 0; decode[i]; i++) if (!strcmp(decode[i], name)) return "decode";
    for (i = 0; file[i]; i++) if (!strcmp(file[i], name)) return "file";
    return NULL;
}

static func_t *user_func(an_t *a, const char *name, int create)
{
    func_t *f = apr_hash_get(a->funcs, name, APR_HASH_KEY_STRING);

    if (!f && create) {
        f = apr_pcalloc(a->p, sizeof(*f));
        f->name = name;
        apr_hash_set(a->funcs, name, APR_HASH_KEY_STRING, f);
    }
    return f;
}

/* A call of the user function F with ARGS: facts for arguments that reach
 * its sinks; the result from its summary. */
/* A builtin that decodes or decrypts its first argument. */
static int is_decoder(const char *name)
{
    const char *kind = callee_kind(name);

    return (kind && !strcmp(kind, "decode")) || !strcmp(name, "openssl_decrypt")
        || !strcmp(name, "mcrypt_decrypt");
}

/* V_OPAQUE when a call that folded to nothing was given only constants (or
 * opaque values), one of them long: what it returns is that constant
 * transformed (a template filled with variables is not). */
static unsigned opaque_of(const args_t *args)
{
    int i, longest = 0;

    for (i = 0; i < args->n && i < MAX_ARGS; i++) {
        const pval_t *v = &args->v[i];
        if (v->flags & V_OPAQUE) longest = 1;
        else if (v->arr && !(v->taint & T_SRC)) continue;     /* a constant table */
        else if (!v->c.s || (v->taint & T_SRC)) return 0;
        else if (v->c.n >= MIN_OPAQUE) longest = 1;
    }
    return longest ? V_OPAQUE : 0;
}

static void call_write(an_t *a, const func_t *f, const args_t *args, int line);

static int has_const_arg(const args_t *args)
{
    int i;

    for (i = 0; i < args->n && i < MAX_ARGS; i++) {
        if (args->v[i].c.s || args->v[i].arr) return 1;
    }
    return 0;
}

/* Reads code away from where the reader is, and comes back: the body at
 * BODY ("{", a function read again) or the string CODE (a create_function()
 * body, from LINE), in the scope SC with FN as the current function.  The
 * reader's place, scope, function and nesting are restored after. */
static void read_apart(an_t *a, scope_t *sc, func_t *fn, const lexpos_t *body,
                       const sg_php_str_t *code, int line)
{
    lexpos_t here;
    scope_t *saved_scope = a->scope;
    func_t *saved_fn = a->fn;
    int saved_class = a->class_body, saved_depth = a->depth, saved_arr_off = a->arr_off;

    lex_save(a, &here);
    if (body) lex_restore(a, body);
    else {
        sg_php_lex_init_code(&a->lx, code->s, code->n);
        a->lx.line = (apr_size_t)line;
        a->nla = 0;
        a->prev_end = NULL;
    }
    a->scope = sc;
    a->fn = fn;
    a->class_body = 0;
    a->arr_off = 0;                    /* the code's arrays are its own */
    a->inline_depth++;
    if (body) {
        advance(a);                    /* { */
        block(a);
    }
    else top(a);
    a->inline_depth--;
    lex_restore(a, &here);
    a->scope = saved_scope;
    a->fn = saved_fn;
    a->class_body = saved_class;
    a->depth = saved_depth;
    a->arr_off = saved_arr_off;
}

/* What F left in its by-reference parameters (function dec(&$v) { $v =
 * base64_decode($v); }) goes back to the caller's variables. */
static void byref_back(an_t *a, const func_t *f, scope_t *sc, const args_t *args)
{
    int i;

    for (i = 0; i < f->nparams && i < MAX_PARAMS && i < args->n && i < MAX_ARGS; i++) {
        const pval_t *arg = &args->v[i];
        pval_t *now;
        pval_t v;
        if (!(f->byref & (1u << i)) || arg->lv != LV_VAR || !arg->lvname) continue;
        now = apr_hash_get(sc->vars, f->pname[i], APR_HASH_KEY_STRING);
        if (!now) continue;
        v = *now;
        v.taint &= T_SRC | T_UNSET;     /* the callee's parameter bits mean nothing here */
        v.lv = LV_NONE;
        var_set(a, a->scope, arg->lvname, arg->lvlen, &v);
    }
}

/* F called with constants: its body is read again with the parameters bound
 * to the arguments, so what it builds of them folds (cf('/tmp/x.c', $b64)
 * decodes the blob it writes; f('tressa') names assert), and what it
 * returns is known.  The summary F already has is not touched (a scratch
 * copy takes the updates); the facts said are the ones the arguments cause.
 * Bounded: small bodies, a few times each, two deep, a token budget per file.
 * 1 when the body was read (*OUT: the return value). */
static int inline_call(an_t *a, func_t *f, const args_t *args, int line, pval_t *out)
{
    scope_t sc;
    func_t scratch;
    int i;

    if (!f->body || f->body_ticks > MAX_INLINE_BODY || f->inlined >= MAX_INLINE_EACH
        || a->inline_depth >= MAX_INLINE_DEPTH || a->stop
        || a->inline_ticks + f->body_ticks > MAX_INLINE_TICKS || !has_const_arg(args)) {
        return 0;
    }
    f->inlined++;
    a->inline_ticks += f->body_ticks;
    scratch = *f;
    memset(&scratch.ret_const, 0, sizeof(scratch.ret_const));
    memset(&sc, 0, sizeof(sc));
    sc.vars = apr_hash_make(a->p);
    for (i = 0; i < f->nparams && i < MAX_PARAMS; i++) {
        pval_t v;
        if (i < args->n && i < MAX_ARGS) {
            v = args->v[i];
            v.lv = LV_NONE;
            if (v.taint & T_SRC) {
                v.org = step(a, v.org, apr_psprintf(a->p, "%s() param $%s", f->name, f->pname[i]),
                             line);
            }
        }
        else unknown(&v);
        v.taint |= T_PARAM0 << i;
        var_set(a, &sc, f->pname[i], strlen(f->pname[i]), &v);
    }
    read_apart(a, &sc, &scratch, f->body, NULL, line);
    byref_back(a, f, &sc, args);
    unknown(out);
    if (scratch.ret_const.s) {
        set_const(out, scratch.ret_const.s, scratch.ret_const.n, scratch.ret_flags);
        out->dec = scratch.ret_dec;
    }
    return 1;
}

/* What a call of a function whose body comes later (or is not in the file)
 * asks of the second pass, which reads it with the summary known:
 * LATE_MUST: an argument carries request data, a long or built constant (a
 *   payload the function may decode) or a value of note;
 * LATE_SINK: a short constant ("$this->get('name')", most calls with
 *   constants in a class file, but also a name decoder "n('nffreg')"): only
 *   if the result reaches a sink (it is marked V_UNRES);
 * LATE_PARAMS: a parameter of the calling function goes in: the caller's
 *   summary may miss the callee's sinks, which matters once a call hands a
 *   user function request data (an_t.src_to_user).
 * Plain unknown arguments ask nothing: a body that reads the request itself
 * is analysed where it stands, in the first pass.  Without these tests a
 * class file (methods calling methods defined below) was read twice. */
#define LATE_SINK 1
#define LATE_MUST 2
#define LATE_PARAMS 4
#define LATE_PAYLOAD 64    /* bytes of a constant argument that may be a payload */
static const int late_masks[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

static int args_matter(const args_t *args)
{
    static const unsigned noted = V_OPAQUE | V_SERVER | V_USCORE | V_TMPNAME | V_SHELLOBJ
                                | V_STRONG;
    int i, m = 0;

    for (i = 0; i < args->n && i < MAX_ARGS; i++) {
        const pval_t *v = &args->v[i];
        if ((v->taint & (T_SRC | T_UNSET)) || (v->flags & noted) || v->dec > 0
            || (v->c.s && v->c.n >= LATE_PAYLOAD)) {
            return LATE_MUST;
        }
        if (v->taint) m |= LATE_PARAMS;
        if (v->c.s || v->arr || (v->flags & (V_UNRES | V_SELF))) m |= LATE_SINK;
    }
    return m;
}

/* Sets what the mask M asks once the function it is for is defined. */
static void late_defined(an_t *a, int m)
{
    if (m & LATE_MUST) a->unresolved = 1;
    if (m & LATE_SINK) a->late_sink = 1;
    if (m & LATE_PARAMS) a->late_params = 1;
}

static void exec_written(an_t *a, const char *name, const char *cmd, apr_size_t n, int line);

/* Pass 1: a call of NAME, not defined (yet), with ARGS: remembered, so that
 * its definition further down asks for the second pass (late_defined()). */
static void late_call(an_t *a, const char *name, const args_t *args, pval_t *out)
{
    const int *had;
    int m;

    if (a->pass != 1 || !(m = args_matter(args))) return;
    if (m & (LATE_SINK | LATE_PARAMS)) out->flags |= V_UNRES;
    had = apr_hash_get(a->early, name, APR_HASH_KEY_STRING);
    apr_hash_set(a->early, name, APR_HASH_KEY_STRING, &late_masks[m | (had ? *had : 0)]);
}

/* Notes in LIST (*N entries) that the function stores PARAMS in the place
 * LHS names. */
static void note_stored(stored_t *list, int *n, const pval_t *lhs, unsigned params, int line)
{
    int i;

    for (i = 0; i < *n; i++) {
        if (list[i].len == lhs->lvlen && !memcmp(list[i].name, lhs->lvname, lhs->lvlen)) {
            list[i].params |= params;
            return;
        }
    }
    if (*n >= MAX_PROP_PARAMS) return;
    list[i].name = lhs->lvname;
    list[i].len = lhs->lvlen;
    list[i].params = params;
    list[i].line = line;
    (*n)++;
}

/* The request data a call of F with ARGS stores in the place ST (KIND:
 * "global $", "->"), in *V; 0 when there is none. */
static int stored_taint(an_t *a, const func_t *f, const stored_t *st, const char *kind,
                        const args_t *args, pval_t *v)
{
    int j;

    unknown(v);
    for (j = 0; j < args->n && j < MAX_ARGS && j < MAX_PARAMS; j++) {
        if ((st->params & (T_PARAM0 << j)) && (args->v[j].taint & T_SRC)) {
            v->taint |= args->v[j].taint & T_SRC;
            v->org = step(a, args->v[j].org,
                          apr_psprintf(a->p, "%s() param $%s -> %s%.*s", f->name,
                                       f->pname[j] ? f->pname[j] : "?", kind, (int)st->len,
                                       st->name), st->line);
        }
    }
    return (v->taint & T_SRC) != 0;
}

/* An assignment to a variable a "global" statement bound in a function:
 * the global holds it too (request data stored there is read by the code
 * that runs after the call: function f($c) { global $x; $x = $c; }), and
 * the function's summary names the parameters it stores there. */
static void global_store(an_t *a, const pval_t *lhs, const pval_t *v, int line)
{
    pval_t *g = apr_hash_get(a->global->vars, lhs->lvname, (apr_ssize_t)lhs->lvlen), m;
    unsigned params = v->taint & T_PARAMS;

    if (v->taint & T_SRC) {
        m = *v;
        m.taint &= T_SRC;
        if (g) merge(&m, g);
        var_set(a, a->global, lhs->lvname, lhs->lvlen, &m);
    }
    if (a->fn && params) note_stored(a->fn->glob_params, &a->fn->nglob_params, lhs, params, line);
}

/* A call of F with request data in a parameter F stores in a global: the
 * global holds request data from here on. */
static void call_globals(an_t *a, const func_t *f, const args_t *args)
{
    int i;

    for (i = 0; i < f->nglob_params; i++) {
        pval_t *cur, v;
        if (!stored_taint(a, f, &f->glob_params[i], "global $", args, &v)) continue;
        cur = apr_hash_get(a->global->vars, f->glob_params[i].name,
                           (apr_ssize_t)f->glob_params[i].len);
        if (cur) { pval_t m = *cur; merge(&m, &v); v = m; }
        var_set(a, a->global, f->glob_params[i].name, f->glob_params[i].len, &v);
    }
}

/* A call of F with request data in a parameter F stores in a property (new
 * Server($_GET) whose constructor keeps $get['cmd'] in $this->cmd): the
 * property holds request data now, and a method that hands it to a sink
 * (shell_exec($this->cmd)) runs it. */
static void call_props(an_t *a, const func_t *f, const args_t *args, int line)
{
    int i;

    for (i = 0; i < f->nprop_params; i++) {
        const char *name = f->prop_params[i].name;
        apr_ssize_t len = (apr_ssize_t)f->prop_params[i].len;
        prop_sink_t *ps = apr_hash_get(a->prop_sinks, name, len);
        pval_t *cur, v;
        if (!stored_taint(a, f, &f->prop_params[i], "->", args, &v)) continue;
        if (ps) taint_fact(a, ps->kind, ps->sink, &v, ps->line);
        cur = apr_hash_get(a->props, name, len);
        if (cur) merge(&v, cur);
        apr_hash_set(a->props, name, len, apr_pmemdup(a->p, &v, sizeof(v)));
    }
}

static void call_user(an_t *a, func_t *f, const args_t *args, int line, pval_t *out)
{
    int i, k;
    pval_t inl;

    if (args->all.taint & (T_SRC | T_UNSET)) a->src_to_user = 1;

    unknown(out);
    for (i = 0; i < args->n && i < MAX_ARGS && i < MAX_PARAMS; i++) {
        const pval_t *v = &args->v[i];
        for (k = 0; k < SK_COUNT; k++) {
            if (f->sink_params[k] & (T_PARAM0 << i)) {
                pval_t via = *v;
                if (k == SK_EXEC) exec_written(a, f->sink_name[k], args->text[i], args->tlen[i], line);
                /* a path under a fixed directory (UPLOAD_DIR . $name) handed
                 * to a function that copies or includes its parameter: the
                 * caller chose the directory, as if the call were inline */
                if ((k == SK_UPLOAD || k == SK_INCLUDE) && (v->flags & (V_FIXEDHEAD | V_TMPNAME))) {
                    continue;
                }
                if (v->taint & (T_SRC | T_UNSET)) {
                    via.org = step(a, v->org, apr_psprintf(a->p, "%s() param $%s", f->name,
                                                            f->pname[i] ? f->pname[i] : "?"), line);
                    taint_fact(a, k, f->sink_name[k], &via, f->sink_line[k]);
                    unset_fact(a, k, f->sink_name[k], &via, f->sink_line[k]);
                }
                if (a->fn && (v->taint & ~T_SRC)) {
                    a->fn->sink_params[k] |= v->taint & ~T_SRC;
                    a->fn->sink_name[k] = f->sink_name[k];
                    a->fn->sink_line[k] = f->sink_line[k];
                }
                if (k == SK_CODE && v->c.s && !(v->taint & T_SRC)
                    && (v->dec > 0 || v->c.n >= 64) && f->sink_name[k][0] != '-') {
                    /* constant code handed to a function that evals it; a long
                     * one is a packed payload that the function decodes first
                     * (not through "->eval()": Redis and V8 run Lua and
                     * JavaScript, only request data matters there) */
                    fact(a, apr_psprintf(a->p, "decoded code %s depth=%d line=%d",
                                         f->sink_name[k], v->dec > 0 ? v->dec : 1, line));
                }
            }
        }
        if (f->ret_params & (T_PARAM0 << i)) merge(out, v);
    }
    if (f->wr_path && f->wr_data) call_write(a, f, args, line);
    if (f->nprop_params && (args->all.taint & T_SRC)) call_props(a, f, args, line);
    if (f->nglob_params && (args->all.taint & T_SRC)) call_globals(a, f, args);
    if (f->ret_taint) {
        out->taint |= f->ret_taint;
        if (!out->org) out->org = step(a, NULL, apr_pstrcat(a->p, f->name, "()", NULL), line);
    }
    if (inline_call(a, f, args, line, &inl) && inl.c.s && !out->taint) {
        set_const(out, inl.c.s, inl.c.n, inl.flags | V_OBF);
        out->dec = inl.dec;
    }
    else if (f->ret_const.s && !out->taint) {
        set_const(out, f->ret_const.s, f->ret_const.n, f->ret_flags);
        out->dec = f->ret_dec;
    }
    else out->flags |= opaque_of(args);
    if ((args->all.taint & T_REQ) && f->defined && !(out->taint & T_SRC) && !out->c.s) {
        /* a value the function made from request data, with no path the
         * pass follows (a lookup-table decoder): code sinks count it */
        out->taint |= T_DERIVED;
        out->org = step(a, args->all.org, apr_pstrcat(a->p, f->name, "() computes from it", NULL),
                        line);
    }
    if (!f->defined) {
        int m = args_matter(args);
        late_defined(a, m);
        if (m & (LATE_SINK | LATE_PARAMS)) out->flags |= V_UNRES;
    }
}

#define SAME_CODE_PREFIX 8  /* bytes put before decoded data that is then eval'd */

/* 1 when the payload PL (decoded data, or code) is the code V: the same
 * bytes, or V is PL with a short prefix ("?>" . $data; pass 2 also finds
 * pass 1's payloads again, in buffers of its own). */
static int same_payload(const an_t *a, const sg_php_payload_t *pl, const pval_t *v)
{
    apr_size_t extra;

    if (pl->buf == v->c.s && pl->len == v->c.n) return 1;
    if (v->c.n < pl->len || (extra = v->c.n - pl->len) > SAME_CODE_PREFIX) return 0;
    if (extra == 0 && a->pass != 2) return 0;
    return (extra == 0 || !pl->sink) && !memcmp(pl->buf, v->c.s + extra, pl->len);
}

static void payload(an_t *a, const pval_t *v, const char *sinkname, int line)
{
    sg_php_payload_t *pl;

    int i;

    if (!v->c.s || v->c.n < 4 || (v->flags & V_LIT && v->dec == 0 && v->c.n < 16)) return;
    for (i = 0; i < a->out->payloads->nelts; i++) {
        pl = &APR_ARRAY_IDX(a->out->payloads, i, sg_php_payload_t);
        if (same_payload(a, pl, v)) {
            /* decoded data already kept turns out to be code: read once,
             * as the code it is */
            pl->buf = v->c.s;
            pl->len = v->c.n;
            pl->sink = sinkname;
            pl->line = line;
            goto said;
        }
    }
    if (a->out->payloads->nelts >= MAX_PAYLOADS) return;
    pl = apr_array_push(a->out->payloads);
    pl->buf = v->c.s;
    pl->len = v->c.n;
    pl->line = line;
    pl->sink = sinkname;
said:
    /* code written as escapes ("\x65\x76...") was hidden as much as decoded */
    if (v->dec > 0 || (v->flags & V_STRONG)) {
        fact(a, apr_psprintf(a->p, "decoded code %s depth=%d line=%d", sinkname,
                             v->dec > 0 ? v->dec : 1, line));
    }
}

/* Constant code that eval(), assert() or preg_replace /e runs is read once
 * more here, in the scope of the code that runs it: its variables and
 * $_SESSION are the caller's ('eval(base64_decode($_SESSION["c"]))' after
 * the file stored request data there).  The engine still analyses it as a
 * layer of its own.  Bounded by size, depth and the file's inline budget. */
static void eval_in_scope(an_t *a, const char *name, const pval_t *v, int line)
{
    unsigned long before = a->ticks;
    int payloads_before = a->out->payloads->nelts;

    if (!strcmp(name, "create_function") || v->c.n > MAX_EVAL_INLINE
        || a->inline_depth >= MAX_INLINE_DEPTH || a->stop || a->inline_ticks > MAX_INLINE_TICKS
        || a->evals_read >= MAX_EVAL_INLINE_EACH) {
        return;
    }
    a->evals_read++;
    read_apart(a, a->scope, a->fn, NULL, &v->c, line);
    a->inline_ticks += a->ticks - before;
    /* the engine reads this code as a layer anyway, and its payloads in
     * turn: kept from here too, each layer would be read twice as often as
     * the one before (a 2 KB onion of 30 layers took a second) */
    a->out->payloads->nelts = payloads_before;
}

/* A code sink (eval, assert, create_function) receiving V. */
static void code_sink(an_t *a, const char *name, const pval_t *v, int line)
{
    sink(a, SK_CODE, name, v, line);
    if (!v->c.s) cap(a, SG_CAP_EVAL, line);
    else {
        payload(a, v, name, line);
        eval_in_scope(a, name, v, line);
    }
    if (!v->c.s && (v->flags & V_OPAQUE) && !(v->taint & T_SRC)) {
        fact(a, apr_psprintf(a->p, "opaque code %s line=%d", name, line));
    }
}

static int has_e_modifier(const pval_t *pat)
{
    const char *s = pat->c.s;
    apr_size_t n = pat->c.n, i;
    char delim, close;

    if (!s || n < 3) return 0;
    delim = s[0];
    close = delim == '(' ? ')' : delim == '{' ? '}' : delim == '[' ? ']' : delim == '<' ? '>' : delim;
    for (i = n; i > 1 && s[i - 1] != close; i--) {
        if (s[i - 1] == 'e') return 1;
    }
    return 0;
}

/* Calls through a callback argument: a request-chosen callback, a callback
 * that names a sink, or a closure whose parameters reach sinks. */
static void hidden_call(an_t *a, const pval_t *callee, const pval_t *data, int line);

/* array_walk / array_map / array_filter of a constant array with a user
 * function: the function is called with each item (and array_walk's key),
 * so a body that joins them (function f($v, $k) { $x = $k . $v; $x(...); })
 * is read with the constants.  The first MAX_EACH_ITEMS items; 1 when done. */
#define MAX_EACH_ITEMS 8
static int each_item(an_t *a, const char *name, func_t *f, const args_t *data, int line)
{
    const arr_t *arr = data->n >= 1 ? data->v[0].arr : NULL;
    int walk = !strcmp(name, "array_walk"), i;

    if (!arr || data->v[0].taint || !f->defined
        || (!walk && strcmp(name, "array_map") && strcmp(name, "array_filter"))) {
        return 0;
    }
    for (i = 0; i < arr->n && i < MAX_EACH_ITEMS; i++) {
        args_t item;
        pval_t r;
        if (!arr->v[i].s) continue;
        memset(&item, 0, sizeof(item));
        set_const(&item.v[0], arr->v[i].s, arr->v[i].n, V_LIT);
        item.n = 1;
        if (walk) {
            if (arr->k[i].s) set_const(&item.v[1], arr->k[i].s, arr->k[i].n, V_LIT);
            else {
                const char *pos = apr_itoa(a->p, i);
                set_const(&item.v[1], pos, strlen(pos), V_LIT);
            }
            item.n = 2;
        }
        call_user(a, f, &item, line, &r);
    }
    return 1;
}

static void callback(an_t *a, const char *name, const args_t *args, int cbi, int line)
{
    const pval_t *cb;
    args_t data;
    int i;

    if (cbi < 0) cbi = args->n - 1;
    if (cbi < 0 || cbi >= args->n || cbi >= MAX_ARGS) return;
    cb = &args->v[cbi];
    memset(&data, 0, sizeof(data));
    for (i = 0; i < args->n && i < MAX_ARGS; i++) {
        if (i == cbi) continue;
        data.v[data.n++] = args->v[i];
        merge(&data.all, &args->v[i]);
    }
    if (cb->taint & T_SRC) {
        /* array($object, $_GET['m']): a dispatcher picks a method of an
         * object it holds (MVC routers, JSON-RPC servers), not any function */
        if (!(cb->flags & V_METHODCB)) sink(a, SK_CALLNAME, name, cb, line);
        return;
    }
    if (cb->c.s) {
        const char *cn = apr_pstrmemdup(a->p, cb->c.s, cb->c.n);
        const char *kind;
        const builtin_t *b;
        func_t *f;
        for (i = 0; cn[i]; i++) {
            ((char *)cn)[i] = (unsigned char)cn[i] < 0x20 || cn[i] == 0x7f ? '?'
                                                                 : (char)apr_tolower(cn[i]);
        }
        kind = callee_kind(cn);
        b = builtin(cn);
        if (kind && strcmp(kind, "file")) {
            fact(a, apr_psprintf(a->p, "dyncall %s %s obf=%d line=%d", kind, cn,
                                 obf_level(cb), line));
        }
        if (b && (b->role == B_CODE || b->role == B_EXEC)) {
            cap(a, b->cap, line);
            sink(a, b->role == B_CODE ? SK_CODE : SK_EXEC, cn, &data.all, line);
        }
        else if ((f = user_func(a, cn, 0)) != NULL && each_item(a, name, f, &data, line)) {
            /* read with each item of a constant array */
        }
        else if (f) {
            pval_t r;
            args_t spread = data;
            if (!strcmp(name, "array_map") || !strcmp(name, "call_user_func_array")
                || !strcmp(name, "array_walk") || !strcmp(name, "usort")) {
                spread.v[0] = data.all;
            }
            call_user(a, f, &spread, line, &r);
        }
        return;
    }
    if (!cb->c.s && !cb->fn) hidden_call(a, cb, &data.all, line);
    if (cb->fn) {
        pval_t r;
        args_t spread = data;
        spread.v[0] = data.all;
        spread.v[1] = data.all;
        if (spread.n < 2) spread.n = 2;
        call_user(a, cb->fn, &spread, line, &r);
    }
}

/* file_put_contents / fwrite / move_uploaded_file / copy / mail / fsockopen:
 * the sinks that take a target and data. */
/* Request data, or a parameter that callers may fill with it. */
#define CARRIES(v) (((v)->taint & ~T_NET) != 0)

/* A write inside a function whose path and data both come from its
 * parameters: callers that pass request data for both (or a
 * ".php" path and request data) write request data where it runs. */
static void note_write(an_t *a, const char *name, const pval_t *path, const pval_t *data,
                       int line)
{
    unsigned pb = path->flags & V_TMPNAME ? 0 : path->taint & ~T_NET;
    unsigned db = data->taint & ~T_NET;

    /* both from parameters: a path the function chose itself (a cache or
     * dump file named after a request parameter) is the function's business */
    pb &= ~T_SRC;
    db &= ~T_SRC;
    if (!a->fn || !pb || !db || pb == db) return;   /* a path built from the data: a dump */
    a->fn->wr_path |= pb & ~db;
    a->fn->wr_data |= db;
    a->fn->wr_sink = name;
    a->fn->wr_line = line;
}

static int is_php_path(const pval_t *v)
{
    return v->c.s && v->c.n > 4 && !strncasecmp(v->c.s + v->c.n - 4, ".php", 4);
}

/* The caller's side of note_write. */
static void call_write(an_t *a, const func_t *f, const args_t *args, int line)
{
    const pval_t *data = NULL;
    int i, di = 0, path = 0;

    for (i = 0; i < args->n && i < MAX_ARGS && i < MAX_PARAMS; i++) {
        const pval_t *v = &args->v[i];
        if ((f->wr_path & (T_PARAM0 << i))
            && (((v->taint & T_REQ) && !(v->flags & V_TMPNAME)) || is_php_path(v))) {
            path = 1;
        }
        if ((f->wr_data & (T_PARAM0 << i)) && (v->taint & T_REQ) && !data) { data = v; di = i; }
    }
    if (path && data) {
        pval_t via = *data;
        via.org = step(a, data->org, apr_psprintf(a->p, "%s() param $%s", f->name,
                                                   f->pname[di] ? f->pname[di] : "?"), line);
        taint_fact(a, SK_WRITE, f->wr_sink, &via, f->wr_line);
    }
}

static const char *memfind_(const char *h, apr_size_t n, const sg_php_str_t *needle);

/* A path the request chose, not under a fixed directory. */
static int requested_path(const pval_t *v)
{
    return (v->taint & T_REQ) && !(v->flags & (V_FIXEDHEAD | V_TMPNAME));
}

/* 1 when NAME(ARGS) reads the file its first argument names. */
static int reads_path(const char *name, const args_t *args)
{
    if (!strcmp(name, "fopen")) {
        return args->n >= 2 && args->v[1].c.s && args->v[1].c.n && args->v[1].c.s[0] == 'r';
    }
    return !strcmp(name, "readfile") || !strcmp(name, "highlight_file")
        || !strcmp(name, "show_source") || !strcmp(name, "file_get_contents")
        || !strcmp(name, "file");
}

/* What a decoded constant written to a file is: elf, pe, script (#!), php,
 * c (source with #include), or data. */
static const char *drop_kind(const sg_php_str_t *c)
{
    const char *s = c->s;
    apr_size_t n = c->n, head = n < 256 ? n : 256;
    sg_php_str_t php = { "<?php", 5 }, inc = { "#include", 8 };

    if (n >= 4 && !memcmp(s, "\x7f" "ELF", 4)) return "elf";
    if (n >= 2 && s[0] == 'M' && s[1] == 'Z') return "pe";
    if (n >= 2 && s[0] == '#' && s[1] == '!') return "script";
    if (memfind_(s, head, &php) || (n >= 3 && s[0] == '<' && s[1] == '?' && s[2] != 'x')) {
        return "php";
    }
    if (memfind_(s, head, &inc)) return "c";
    return "data";
}

/* A decoded constant written to a file: a program dropped on the server. */
static void drop_fact(an_t *a, const char *name, const pval_t *data, int line)
{
    if (!data->c.s || data->dec < 1 || data->c.n < 32) return;
    fact(a, apr_psprintf(a->p, "drop %s %s line=%d", drop_kind(&data->c), name, line));
}

/* Request data written to a constant path: an include of that path later
 * runs it (a shell that stores its code in "README" and requires it). */
static void remember_written(an_t *a, const pval_t *path, const pval_t *data, int line)
{
    pval_t *kept;

    if (!path->c.s || !path->c.n || !(data->taint & T_REQ)) return;
    if (apr_hash_count(a->written) >= 16) return;    /* the first few are enough */
    kept = apr_palloc(a->p, sizeof(*kept));
    *kept = *data;
    kept->org = step(a, data->org, apr_psprintf(a->p, "file_put_contents('%.*s')",
                                                (int)(path->c.n > 64 ? 64 : path->c.n),
                                                path->c.s), line);
    apr_hash_set(a->written, apr_pstrmemdup(a->p, path->c.s, path->c.n),
                 (apr_ssize_t)path->c.n, kept);
}

/* ---- request data written to a file, then run: b374k's "eval C/Java/Perl"
 * modules and bind-shell droppers write the code the request sent to a file
 * and compile or run it with a command that names the same file.  Paths are
 * compared by their source text (the variables and literals that build
 * them), since their values are rarely constants. */

static void remember_wfile(an_t *a, const char *text, apr_size_t len, const pval_t *data,
                           const char *name, int line)
{
    written_t *w;

    if (!text || !len || !(data->taint & T_SRC) || a->nwfiles >= MAX_WFILES) return;
    w = &a->wfiles[a->nwfiles++];
    w->path.s = text;
    w->path.n = len;
    w->data = *data;
    w->data.org = step(a, data->org, apr_psprintf(a->p, "%s(%.*s)", name,
                                                  (int)(len > 48 ? 48 : len), text), line);
}

/* fopen(PATH, "w"...): a handle that fwrite() may fill with request data. */
static void note_fopen(an_t *a, const args_t *args)
{
    const sg_php_str_t *mode = args->n >= 2 ? &args->v[1].c : NULL;

    if (!mode || !mode->s || !mode->n || !strchr("wacx", mode->s[0]) || !args->text[0]
        || a->nwopen >= MAX_WFILES) {
        return;
    }
    a->wopen_php[a->nwopen] = is_php_path(&args->v[0]) || (args->v[0].flags & V_PHPNAME);
    a->wopen[a->nwopen].s = args->text[0];
    a->wopen[a->nwopen++].n = args->tlen[0];
}

static int ident_byte(char c)
{
    return apr_isalnum(c) || c == '_' || (unsigned char)c >= 0x80;
}

/* 1 when the command text CMD[0..N) names the file PATH (source text) does:
 * one of its variables ($name, whole) or one of its literals (3 bytes or more
 * with a letter in them). */
static int names_file(const sg_php_str_t *path, const char *cmd, apr_size_t n)
{
    const char *s = path->s, *end = path->s + path->n, *hit;
    sg_php_str_t key;

    while (s < end) {
        const char *k = s;
        if (*s == '$') {
            for (s++; s < end && ident_byte(*s); s++) {}
            key.s = k;
            key.n = (apr_size_t)(s - k);
            for (hit = cmd; key.n > 1 && (hit = memfind_(hit, n - (apr_size_t)(hit - cmd), &key));
                 hit += key.n) {
                if (hit + key.n >= cmd + n || !ident_byte(hit[key.n])) return 1;
            }
        }
        else if (*s == '\'' || *s == '"') {
            const char *q = memchr(s + 1, *s, (apr_size_t)(end - s - 1));
            apr_size_t i, letters = 0;
            if (!q) break;
            key.s = s + 1;
            key.n = (apr_size_t)(q - s - 1);
            for (i = 0; i < key.n; i++) letters += apr_isalpha(key.s[i]) != 0;
            if (key.n >= 3 && letters && !memchr(key.s, '$', key.n) && memfind_(cmd, n, &key)) {
                return 1;
            }
            s = q + 1;
        }
        else {
            s++;
        }
    }
    return 0;
}

/* 1 when the first 1 KB of the command text CMD[0..N), case ignored, holds
 * one of the lowercase WORDS (NULL-terminated). */
static int cmd_has_word(const char *cmd, apr_size_t n, const char *const *words)
{
    char low[1024];
    apr_size_t i, m = n < sizeof(low) ? n : sizeof(low);
    sg_php_str_t w;

    for (i = 0; i < m; i++) low[i] = (char)apr_tolower(cmd[i]);
    for (i = 0; words[i]; i++) {
        w.s = words[i];
        w.n = strlen(words[i]);
        if (memfind_(low, m, &w)) return 1;
    }
    return 0;
}

/* 1 when the command text runs or builds a program: a compiler, an
 * interpreter, chmod +x, or ./file. */
static int runs_program(const char *cmd, apr_size_t n)
{
    static const char *const words[] = { "gcc", "g++", "cc ", "javac", "java ", "perl",
                                         "python", "ruby", "php ", "node ", "bash", "sh ",
                                         "chmod", "./", "nohup", "tclsh", "lua ", NULL };

    return cmd_has_word(cmd, n, words);
}

/* ---- a shell that reads its commands from a pipe: proc_open() or popen()
 * of sh, bash, cmd.exe ($_SERVER['COMSPEC']) and the like, then fwrite() of
 * the commands to its stdin (reverse shells relay a socket that way, web
 * shells their command parameter). */

/* The shells a command may start: a path's last part, lower case. */
static const char *const shell_names[] = { "sh", "bash", "zsh", "csh", "tcsh", "ksh", "dash",
                                           "cmd", "cmd.exe", "powershell", "powershell.exe",
                                           NULL };

/* 1 when the source text TEXT[0..N) names $_SERVER['COMSPEC'] (Windows'
 * shell, whatever its path). */
static int names_comspec(const char *text, apr_size_t n)
{
    static const sg_php_str_t spec = { "COMSPEC", 7 };

    return text && n && memfind_(text, n, &spec) != NULL;
}

/* 1 when the constant command S[0..N) is a shell alone, reading commands
 * from its stdin: a name of shell_names or a path ending in one ("/bin/sh",
 * "C:\Windows\System32\cmd.exe"), with at most " -i", " -l" or " -s"
 * after it.  "sh -c SCRIPT" and "x/sh" are not. */
static int bare_shell(const char *s, apr_size_t n)
{
    const char *e = s + n, *base;
    char word[32];
    int i;

    while (s < e && apr_isspace(*s)) s++;
    while (e > s && apr_isspace(e[-1])) e--;
    if (e - s > 3 && e[-3] == ' ' && e[-2] == '-' && strchr("ils", e[-1])) e -= 3;
    for (base = e; base > s && base[-1] != '/' && base[-1] != '\\'; base--) continue;
    if (e - base <= 0 || e - base >= (apr_ssize_t)sizeof(word)) return 0;
    if (base > s && *s != '/' && !(e - s > 2 && s[1] == ':')) return 0;   /* a path, not "x/sh" */
    for (i = 0; i < e - base; i++) word[i] = (char)apr_tolower(base[i]);
    word[e - base] = '\0';
    for (i = 0; shell_names[i]; i++) {
        if (!strcmp(word, shell_names[i])) return 1;
    }
    return 0;
}

/* bare_shell() of the last command of the list S[0..N) ("uname -a; id;
 * /bin/sh -i": a reverse shell's greeting, then the shell). */
static int ends_in_shell(const char *s, apr_size_t n)
{
    apr_size_t i = n;

    while (i > 0 && s[i - 1] != ';' && s[i - 1] != '|' && s[i - 1] != '&') i--;
    return bare_shell(s + i, n - i);
}

/* 1 when the command V (source text TEXT[0..N)) is an interactive shell:
 * what is written to its stdin runs as commands. */
static int is_shell_cmd(const pval_t *v, const char *text, apr_size_t n)
{
    return names_comspec(text, n) || (v->c.s && ends_in_shell(v->c.s, v->c.n));
}

/* 1 when the constant command V (source text TEXT[0..N)) starts a shell
 * for a remote or interactive user: a bare interpreter ("/bin/sh", "bash
 * -i", cmd.exe, $_SERVER['COMSPEC']), or one wired to a socket (bash's
 * /dev/tcp, nc -e).  Tools run commands through "sh -c SCRIPT"; a page
 * does not start a shell with no script, nor hand one to the network. */
static int spawns_shell(const pval_t *v, const char *text, apr_size_t n)
{
    static const char *const wired[] = { "/dev/tcp/", "/dev/udp/", " -e /bin/", " -e sh",
                                         " -e bash", " -e cmd", "-exec /bin/sh", NULL };

    if (names_comspec(text, n)) return 1;
    if (!v->c.s || !v->c.n || (v->taint & (T_SRC | T_UNSET))) return 0;
    return cmd_has_word(v->c.s, v->c.n, wired) || ends_in_shell(v->c.s, v->c.n);
}

/* proc_open()/popen() NAME with ARGS: remembers a shell's stdin. */
static void shell_stdin_open(an_t *a, const char *name, const args_t *args, pval_t *out)
{
    int proc = !strcmp(name, "proc_open");

    /* every exec call comes here: the name first, the command text only then */
    if ((!proc && strcmp(name, "popen")) || args->n < 2
        || !is_shell_cmd(&args->v[0], args->text[0], args->tlen[0])) {
        return;
    }
    if (proc && args->n >= 3 && args->v[2].lv == LV_VAR) {
        a->shell_pipes = args->v[2].lvname;
        a->shell_pipes_len = args->v[2].lvlen;
    }
    else if (!proc && args->v[1].c.s && args->v[1].c.n
             && args->v[1].c.s[0] == 'w') {
        out->flags |= V_SHELLIN;
    }
}

/* 1 when the handle H (fwrite()'s first argument) is a shell's stdin. */
static int shell_stdin(const an_t *a, const pval_t *h)
{
    if (h->flags & V_SHELLIN) return 1;
    return a->shell_pipes && h->lv == LV_ELEM && h->lvlen == a->shell_pipes_len
           && !memcmp(h->lvname, a->shell_pipes, h->lvlen)
           && (h->lvkey != LK_CONST || (h->lvk.n == 1 && h->lvk.s[0] == '0'));
}

/* An exec sink NAME whose command has the source text CMD[0..N): when it
 * runs a file request data was written to, that data reaches the exec. */
static void exec_written(an_t *a, const char *name, const char *cmd, apr_size_t n, int line)
{
    int i;

    if (!a->nwfiles || !cmd || !n || !runs_program(cmd, n)) return;
    for (i = 0; i < a->nwfiles; i++) {
        if (names_file(&a->wfiles[i].path, cmd, n)) {
            taint_fact(a, SK_EXEC, name, &a->wfiles[i].data, line);
            return;
        }
    }
}

static int url_const(const sg_php_str_t *s);

/* 1 when a target path (value V or NULL, source text TEXT[0..N)) names a PHP
 * file: a constant ending in .php, or source text that spells such a name
 * ("dirname(__FILE__) . '/wp-cache.php'"). */
static int php_target(const pval_t *v, const char *text, apr_size_t n)
{
    static const char *const exts[] = { ".php'", ".php\"", ".phtml'", ".phtml\"", ".php5'",
                                        ".php5\"", ".php7'", ".php7\"", ".phar'", ".phar\"",
                                        NULL };

    if (v && (is_php_path(v) || (v->flags & V_PHPNAME))) return 1;
    return text && n && cmd_has_word(text, n, exts);
}

/* Code fetched from the net saved where it runs: copy(URL, X.php), or the
 * reply of a URL written to a .php file (file_put_contents, or fwrite to a
 * handle opened on one).  An updater saves archives, not PHP files it then
 * runs; a dropper installs its shell that way. */
static void fetch_php(an_t *a, const char *name, const args_t *args, int line)
{
    const pval_t *v = args->v;
    int i, php = 0;

    if (args->n < 2) return;
    if (!strcmp(name, "copy")) {
        if (!(url_const(&v[0].c) || (!v[0].c.s && (v[0].flags & V_URL)))) return;
        php = php_target(&v[1], args->text[1], args->tlen[1]);
    }
    else if ((v[1].taint & T_NET) && !(v[1].taint & T_REQ)
             && !(v[1].flags & (V_HANDLE | V_FIXEDHEAD | V_PARSED))) {
        /* a fixed start ("<?php return " . var_export($list)), or data
         * taken apart first (json_decode, explode), is a file the script
         * generates from what it fetched, not the fetched code */
        if (!strcmp(name, "file_put_contents")) php = php_target(&v[0], args->text[0], args->tlen[0]);
        for (i = 0; !php && strcmp(name, "file_put_contents") && i < a->nwopen; i++) {
            php = a->wopen_php[i] || php_target(NULL, a->wopen[i].s, a->wopen[i].n);
        }
    }
    if (php) fact(a, apr_psprintf(a->p, "fetch php %s line=%d", name, line));
}

/* A constant the script writes to a file that holds PHP code (a shell it
 * plants, a config it installs) is returned as a payload of its own, to be
 * analysed as the file it becomes. */
static void written_code(an_t *a, const pval_t *data, int line)
{
    sg_php_payload_t *pl;

    if (!data->c.s || data->c.n < MIN_WRITTEN_CODE || (data->taint & (T_SRC | T_UNSET))
        || a->out->payloads->nelts >= MAX_PAYLOADS
        || sg_php_find_open_tag(data->c.s, data->c.n) < 0) {
        return;
    }
    pl = apr_array_push(a->out->payloads);
    pl->buf = data->c.s;
    pl->len = data->c.n;
    pl->line = line;
    pl->sink = NULL;
}

static void io_sinks(an_t *a, const char *name, const args_t *args, int line)
{
    const pval_t *v = args->v;
    int writer = name[0] == 'f' && (!strcmp(name, "file_put_contents") || !strcmp(name, "fwrite")
                                    || !strcmp(name, "fputs"));

    if (writer && args->n >= 2) {
        written_code(a, &v[1], line);
        drop_fact(a, name, &v[1], line);
    }
    if (writer || !strcmp(name, "copy")) fetch_php(a, name, args, line);

    if (!strcmp(name, "file_put_contents") && args->n >= 2) {
        int php = is_php_path(&v[0]);
        note_write(a, name, &v[0], &v[1], line);
        /* a path that is only a parameter says nothing of the callers: cache
         * and session writers take both path and data as parameters */
        if ((v[0].taint & T_REQ) && !(v[0].flags & V_TMPNAME) && CARRIES(&v[1])) {
            sink(a, SK_WRITE, name, &v[1], line);
        }
        else if (php && CARRIES(&v[1])) sink(a, SK_WRITE, name, &v[1], line);
        if (v[0].flags & V_SELF) cap(a, SG_CAP_FILEEDIT, line);
        remember_written(a, &v[0], &v[1], line);
        remember_wfile(a, args->text[0], args->tlen[0], &v[1], name, line);
    }
    else if ((!strcmp(name, "fwrite") || !strcmp(name, "fputs")) && args->n >= 2) {
        int i;
        note_write(a, name, &v[0], &v[1], line);
        /* which handle is which is not tracked: any path opened for writing */
        for (i = 0; i < a->nwopen; i++) {
            remember_wfile(a, a->wopen[i].s, a->wopen[i].n, &v[1], name, line);
        }
        if (shell_stdin(a, &v[0])) {
            pval_t cmds = v[1];
            cmds.org = step(a, v[1].org, "shell stdin", line);
            sink(a, SK_EXEC, name, &cmds, line);
        }
        if ((v[0].taint & T_REQ) && !(v[0].flags & V_TMPNAME) && (v[1].taint & T_REQ)) {
            sink(a, SK_WRITE, name, &v[1], line);
        }
        if ((v[0].taint & T_NET) && (v[1].taint & T_REQ) && a->fn == NULL) {
            /* request data sent to a socket the request chose: a proxy or flooder */
            sink(a, SK_NET, name, &v[0], line);
        }
    }
    else if ((!strcmp(name, "move_uploaded_file") || !strcmp(name, "copy")) && args->n >= 2) {
        if (CARRIES(&v[1]) && !(v[1].flags & (V_FIXEDHEAD | V_TMPNAME))) {
            sink(a, SK_UPLOAD, name, &v[1], line);
        }
        /* an upload kept under a PHP name the script fixed: whatever is
         * uploaded runs (no upload form stores files as "x.php") */
        if ((!strcmp(name, "move_uploaded_file") || (v[0].flags & V_TMPNAME))
            && !(v[1].taint & T_SRC) && php_target(&v[1], args->text[1], args->tlen[1])) {
            fact(a, apr_psprintf(a->p, "uploadphp %s line=%d", name, line));
        }
    }
    else if (!strcmp(name, "mail") && args->n >= 3) {
        if (CARRIES(&v[0]) && CARRIES(&v[2])) sink(a, SK_MAIL, name, &v[0], line);
    }
    else if ((!strcmp(name, "fsockopen") || !strcmp(name, "pfsockopen")
              || !strcmp(name, "stream_socket_client")) && args->n >= 1) {
        if (CARRIES(&v[0])) sink(a, SK_NET, name, &v[0], line);
    }
    else if (!strcmp(name, "unlink") && args->n >= 1 && (v[0].flags & V_SELF)
             && !(v[0].taint & T_SRC)) {
        /* (dirname(__FILE__) . '/' . $_GET['f'] is a file the request names) */
        cap(a, SG_CAP_SELFDEL, line);
    }
    else if (!strcmp(name, "touch") && args->n >= 2) {
        cap(a, SG_CAP_TIMESTOMP, line);
    }
}

/* 1 when the constant S starts with a remote URL's scheme. */
static int url_const(const sg_php_str_t *s)
{
    return s->s && s->n > 7 && (!strncasecmp(s->s, "http://", 7)
                                || !strncasecmp(s->s, "https://", 8)
                                || !strncasecmp(s->s, "ftp://", 6));
}

/* The value a request-data source function returns. */
static int source_call(an_t *a, const char *name, const args_t *args, int line, pval_t *out)
{
    const pval_t *v = args->v;
    int reader = !strcmp(name, "file_get_contents") || !strcmp(name, "fopen")
                 || !strcmp(name, "file");

    if (reader && args->n >= 1 && v[0].c.s && v[0].c.n >= 11
        && !strncasecmp(v[0].c.s, "php://input", 11)) {
        unknown(out);
        out->taint = T_REQ;
        out->org = step(a, NULL, "php://input", line);
        a->request_read = 1;
        cap(a, SG_CAP_REQUEST, line);
        return 1;
    }
    if (reader && args->n >= 1 && !(v[0].taint & T_SRC)
        && (url_const(&v[0].c) || (!v[0].c.s && (v[0].flags & V_URL)))) {
        /* a URL, constant or with a run-time query ("http://host/x.jpg?" .
         * uniqid()): what comes back is the net's */
        unknown(out);
        out->taint = T_NET;
        out->org = step(a, NULL, v[0].c.s ? apr_psprintf(a->p, "%s(%.60s)", name, v[0].c.s)
                                          : apr_pstrcat(a->p, name, "(URL)", NULL), line);
        return 1;
    }
    if (!strcmp(name, "sprintf") && args->n >= 2 && v[0].c.s && !consts_only(args)
        && (url_const(&v[0].c) || (v[0].c.n >= 2 && !memcmp(v[0].c.s, "%s", 2)
                                   && (url_const(&v[1].c) || (v[1].flags & V_URL))))) {
        /* sprintf('%s?%s', 'http://...', uniqid()): a URL, not a constant
         * (all constants: try_fold() makes the string itself) */
        *out = args->all;
        out->c.s = NULL;
        out->lv = LV_NONE;
        out->flags |= V_URL;
        return 1;
    }
    if (!strcmp(name, "getenv") && args->n >= 1 && v[0].c.s && v[0].c.n > 5
        && !strncmp(v[0].c.s, "HTTP_", 5)) {
        unknown(out);
        out->taint = T_REQ;
        out->org = step(a, NULL, apr_psprintf(a->p, "getenv(%s)", v[0].c.s), line);
        return 1;
    }
    return 0;
}

/* Validation that whitelists a variable's value (an anchored preg_match,
 * in_array, ctype_*, is_numeric, filter_var): the variable is clean after
 * it.  Benign code validates before it uses; backdoors do not. */
static int validator(an_t *a, const char *name, const args_t *args)
{
    const pval_t *v = NULL;

    if (!strcmp(name, "preg_match") && args->n >= 2 && args->v[0].c.s && args->v[0].c.n > 3) {
        const char *pat = args->v[0].c.s;
        const char *end = pat + args->v[0].c.n;
        while (end > pat && apr_isalpha(end[-1])) end--;          /* flags */
        if (pat[1] == '^' && end - pat >= 3 && end[-2] == '$') v = &args->v[1];
        else if (pat[1] == '\\' && pat[2] == 'A') v = &args->v[1];
    }
    else if ((!strcmp(name, "in_array") || !strcmp(name, "is_numeric")
              || !strcmp(name, "filter_var") || !strncmp(name, "ctype_", 6)
              || !strcmp(name, "array_key_exists")) && args->n >= 1) {
        v = &args->v[0];
    }
    if (!v) return 0;
    if (v->lv == LV_VAR && v->lvname && (v->taint & T_SRC) && !(v->flags & V_HANDLE)) {
        pval_t clean = *v;
        clean.taint &= ~T_SRC;
        clean.org = NULL;
        var_set(a, a->scope, v->lvname, v->lvlen, &clean);
    }
    return 1;
}

static const char *memfind_(const char *h, apr_size_t n, const sg_php_str_t *needle);
static int arr_push(an_t *a, arr_t *arr, int *cap, const sg_php_str_t *k, const sg_php_str_t *v,
                    arr_t *sub);

/* explode() of constants: a constant array (names are split out of one
 * string, then picked by index). */
static int explode_const(an_t *a, const args_t *args, pval_t *out)
{
    const sg_php_str_t *sep = &args->v[0].c, *str = &args->v[1].c;
    arr_t *arr;
    const char *p, *end;
    int cap = 0;

    if (!sep->s || !str->s || sep->n == 0 || args->v[1].taint) return 0;
    arr = apr_pcalloc(a->p, sizeof(*arr));
    for (p = str->s, end = str->s + str->n; p <= end;) {
        const char *hit = sep->n <= (apr_size_t)(end - p) ? memfind_(p, (apr_size_t)(end - p), sep) : NULL;
        sg_php_str_t k = { NULL, 0 }, v;
        v.s = p;
        v.n = hit ? (apr_size_t)(hit - p) : (apr_size_t)(end - p);
        if (!arr_push(a, arr, &cap, &k, &v, NULL)) break;
        if (!hit) break;
        p = hit + sep->n;
    }
    unknown(out);
    out->arr = arr;
    out->flags = V_OBF | ((args->v[1].flags | args->v[0].flags) & V_STRONG);
    return 1;
}

/* array_keys(), array_values(), array_reverse() of a constant array: a
 * constant array again (a name's letters are picked out of a table's keys). */
static int reshape_const(an_t *a, const char *name, const args_t *args, pval_t *out)
{
    const arr_t *in = args->v[0].arr;
    int keys = !strcmp(name, "array_keys"), rev = !strcmp(name, "array_reverse");
    arr_t *arr;
    int cap = 0, i;

    if (!in || args->v[0].taint || (args->n > 1 && !rev)) return 0;
    arr = apr_pcalloc(a->p, sizeof(*arr));
    for (i = 0; i < in->n; i++) {
        int at = rev ? in->n - 1 - i : i;
        sg_php_str_t k = { NULL, 0 }, v = in->v[at];
        if (keys) {
            if (in->k[at].s) v = in->k[at];
            else { v.s = apr_itoa(a->p, at); v.n = strlen(v.s); }
        }
        if (!arr_push(a, arr, &cap, &k, &v, keys || !in->sub ? NULL : in->sub[at])) break;
    }
    unknown(out);
    out->arr = arr;
    out->flags = V_OBF | (args->v[0].flags & V_STRONG);
    return 1;
}

static int is_hash_fn(const char *name)
{
    return !strcmp(name, "md5") || !strcmp(name, "sha1") || !strcmp(name, "crc32")
        || !strcmp(name, "hash") || !strcmp(name, "md5_file");
}

/* A call of the function NAME (lower-case) with ARGS. */
/* The value under key "options" in ARR or in an array it holds (filter_var's
 * FILTER_CALLBACK: array('options' => 'assert')), or NULL. */
static const sg_php_str_t *filter_options(const arr_t *arr, int depth)
{
    int i;

    for (i = 0; arr && i < arr->n; i++) {
        if (arr->k[i].s && arr->k[i].n == 7 && !memcmp(arr->k[i].s, "options", 7)
            && arr->v[i].s) {
            return &arr->v[i];
        }
        if (depth < 2 && arr->sub && arr->sub[i]) {
            const sg_php_str_t *o = filter_options(arr->sub[i], depth + 1);
            if (o) return o;
        }
    }
    return NULL;
}

/* parse_str($s, $out), preg_match($re, $s, $out) and preg_match_all: $out
 * holds what $s held.  1 when NAME is one of them and had its $out. */
static int out_param(an_t *a, const char *name, const args_t *args, int line)
{
    int from, to;
    pval_t v;

    if (!strcmp(name, "parse_str")) from = 0, to = 1;
    else if (!strcmp(name, "preg_match") || !strcmp(name, "preg_match_all")) from = 1, to = 2;
    else return 0;
    if (args->n <= to || args->v[to].lv != LV_VAR || !(args->v[from].taint & T_SRC)) return 0;
    unknown(&v);
    v.taint = args->v[from].taint & T_SRC;
    v.org = step(a, args->v[from].org, apr_psprintf(a->p, "%s() $%s", name, args->v[to].lvname),
                 line);
    var_set(a, a->scope, args->v[to].lvname, args->v[to].lvlen, &v);
    return 1;
}

/* A function whose name was built the way only obfuscators build names
 * (string XOR of an unknown with a constant, chr() offsets) but cannot be
 * told, called on request data: nothing but a hidden call does that. */
static void hidden_call(an_t *a, const pval_t *callee, const pval_t *data, int line)
{
    /* a name built at run time, or cut from the file's own name (a shell
     * saved as "system.php" calls substr(__FILE__, ...)) */
    if (!(callee->flags & (V_STRONG | V_SELF)) || callee->c.s || !(data->taint & T_SRC)) {
        return;
    }
    fact(a, apr_psprintf(a->p, "hiddencall src=%s line=%d via=%s",
                         (data->taint & T_REQ) ? "request" : "net", line,
                         chain_text(a, data->org, (callee->flags & V_STRONG)
                                                      ? "(built name)()"
                                                      : "(name cut from __FILE__)()", line)));
}

/* filter_var($x, FILTER_CALLBACK, array('options' => NAME)) and friends:
 * NAME is called on the data; 1 when that was the case. */
static int filter_callback(an_t *a, const char *name, const args_t *args, int line)
{
    const sg_php_str_t *o = NULL;
    args_t cb;
    int i;

    if (strncmp(name, "filter_", 7) || args->n < 2) return 0;
    for (i = 1; i < args->n && i < MAX_ARGS && !o; i++) o = filter_options(args->v[i].arr, 0);
    if (!o) return 0;
    memset(&cb, 0, sizeof(cb));
    cb.n = 2;
    cb.v[0] = args->v[0];
    cb.all = args->v[0];
    set_const(&cb.v[1], o->s, o->n, V_LIT);
    callback(a, name, &cb, 1, line);
    return 1;
}

/* A command known when the file runs it: one spelt through a decoder
 * (base64, rot13, escapes; no admin tool hides its own command line) is a
 * "decoded exec" fact, and one that wipes the shell's history or the
 * system's logs (what an intruder does on the way out) a "covertracks"
 * fact. */
static void exec_const(an_t *a, const char *name, const pval_t *cmd, int line)
{
    static const char *const wipes[] = {
        "unset histfile", "histfile=/dev/null", "history -c", ".bash_history", "histsize=0",
        "/var/log/wtmp", "/var/log/lastlog", "/var/log/secure", "/var/log/auth.log", NULL
    };

    if (cmd->taint & (T_SRC | T_UNSET)) return;
    if (!cmd->c.s && cmd->arr) {
        /* foreach ($commands as $c) system($c): the loop variable holds
         * the constant array; each of its commands runs */
        int i;
        for (i = 0; i < cmd->arr->n && i < MAX_EXEC_ITEMS; i++) {
            const sg_php_str_t *it = &cmd->arr->v[i];
            if (it->s && cmd_has_word(it->s, it->n, wipes)) {
                fact(a, apr_psprintf(a->p, "covertracks %s line=%d", name, line));
                return;
            }
        }
        return;
    }
    if (!cmd->c.s) return;
    if (cmd->dec > 0 || (cmd->flags & V_STRONG)) {
        fact(a, apr_psprintf(a->p, "decoded exec %s depth=%d line=%d", name,
                             cmd->dec > 0 ? cmd->dec : 1, line));
    }
    if (cmd_has_word(cmd->c.s, cmd->c.n, wipes)) {
        fact(a, apr_psprintf(a->p, "covertracks %s line=%d", name, line));
    }
}

/* The ways of running a command a function calls on its parameters
 * (func_t.exec_ways, see exec_helper()). */

static void exec_way(an_t *a, const char *name, const pval_t *cmd)
{
    static const char *const ways[] = { "system", "exec", "passthru", "shell_exec", "popen",
                                        "proc_open", "pcntl_exec", "expect_popen", NULL };
    int i;

    for (i = 0; ways[i]; i++) {
        if (strcmp(name, ways[i])) continue;
        if (a->fn && cmd && (cmd->taint & ~(T_SRC | T_UNSET))) a->fn->exec_ways |= 1u << i;
    }
}

/* create_function(PARAMS, BODY) of constants: BODY read as the body of a
 * function with PARAMS, so that what it does with them is known where the
 * lambda is called or handed to a callback taker
 * (preg_replace_callback('/.+/', create_function('$m', 'return
 * assert($m[0]);'), $_REQUEST['p'])).  Bounded as inline_call().  NULL when
 * not read. */
static func_t *lambda(an_t *a, const sg_php_str_t *params, const sg_php_str_t *body, int line)
{
    scope_t sc;
    func_t *f;
    apr_size_t i = 0;

    if (body->n > MAX_LAMBDA_BODY || a->inline_depth >= MAX_INLINE_DEPTH || a->stop) return NULL;
    f = apr_pcalloc(a->p, sizeof(*f));
    f->name = "{create_function}";
    memset(&sc, 0, sizeof(sc));
    sc.vars = apr_hash_make(a->p);
    while (i < params->n && f->nparams < MAX_PARAMS) {     /* "$a, $b" */
        apr_size_t k;
        pval_t v;
        if (params->s[i++] != '$') continue;
        for (k = i; k < params->n && (apr_isalnum(params->s[k]) || params->s[k] == '_'); k++) {
            continue;
        }
        if (k == i) continue;
        f->pname[f->nparams] = apr_pstrmemdup(a->p, params->s + i, k - i);
        unknown(&v);
        v.taint = T_PARAM0 << f->nparams;
        var_set(a, &sc, f->pname[f->nparams], k - i, &v);
        f->nparams++;
        i = k;
    }
    read_apart(a, &sc, f, NULL, body, line);
    f->defined = 1;
    return f;
}

/* ---- WordPress accounts: wp_create_user()/wp_insert_user() of request data
 * together with the administrator role (set_role('administrator'), or
 * 'role' => 'administrator' in the call) or a password gate make a
 * "wpadmin" fact: a backdoor that makes its owner an administrator (the
 * role given in the function that made the user, after it).  A
 * registration form creates subscribers; WordPress's installer takes the
 * name through its own function's parameters. */

static int says_administrator(const char *text, apr_size_t n)
{
    static const char *const words[] = { "'administrator'", "\"administrator\"", NULL };

    return text && n && cmd_has_word(text, n, words);
}

static void wp_user_call(an_t *a, const char *name, const args_t *args, int line)
{
    int i, req = 0;

    if (strcmp(name, "wp_create_user") && strcmp(name, "wp_insert_user")) return;
    for (i = 0; i < args->n && i < MAX_ARGS; i++) {
        if (args->v[i].taint & T_REQ) req = 1;
    }
    if (!req || a->wp_user_req) return;
    a->wp_user_req = line;
    a->wp_user_fn = a->fn;
    for (i = 0; i < args->n && i < MAX_ARGS; i++) {
        if (says_administrator(args->text[i], args->tlen[i])) a->wp_admin = 1;
    }
}

/* ->set_role(ROLE) (source text TEXT[0..N)) where the request-made user was
 * made: that user is the administrator. */
static void wp_set_role(an_t *a, const char *text, apr_size_t n)
{
    if (a->wp_user_req && a->wp_user_fn == (const void *)a->fn && says_administrator(text, n)) {
        a->wp_admin = 1;
    }
}

static void wp_admin_fact(an_t *a)
{
    if (a->wp_user_req && (a->wp_admin || (a->out->caps & SG_CAP_PWGATE))) {
        fact(a, apr_psprintf(a->p, "wpadmin request line=%d", a->wp_user_req));
    }
}

static void call_named(an_t *a, const char *name, int obf, const args_t *args, int line,
                       pval_t *out)
{
    const builtin_t *b = builtin(name);
    func_t *f = user_func(a, name, 0);

    unknown(out);
    if (b) cap(a, b->cap, line);
    if (f && f->defined) {
        call_user(a, f, args, line, out);
        return;
    }
    wp_user_call(a, name, args, line);
    if (source_call(a, name, args, line, out)) return;
    if (!f && filter_callback(a, name, args, line)) {
        *out = args->v[0];
        out->lv = LV_NONE;
        return;
    }
    if ((!strcmp(name, "mb_ereg_replace") || !strcmp(name, "mb_eregi_replace"))
        && args->n >= 4 && args->v[3].c.s && memchr(args->v[3].c.s, 'e', args->v[3].c.n)) {
        /* option "e": the replacement runs as PHP code, on the subject */
        pval_t code = args->v[1];
        if ((args->v[2].taint & T_SRC) && !(code.taint & T_SRC)) {
            code.taint |= args->v[2].taint & T_SRC;
            code.org = args->v[2].org;
        }
        code_sink(a, "mb_ereg_replace/e", &code, line);
    }
    if (!strcmp(name, "explode") && args->n >= 2 && explode_const(a, args, out)) return;
    if ((!strcmp(name, "array_keys") || !strcmp(name, "array_values")
         || !strcmp(name, "array_reverse")) && args->n >= 1 && reshape_const(a, name, args, out)) {
        return;
    }
    if (try_fold(a, name, args, line, out)) return;
    if (is_hash_fn(name)) { out->flags = V_HASH; return; }
    if (validator(a, name, args)) return;
    if (out_param(a, name, args, line)) return;
    if (!strcmp(name, "extract") || !strcmp(name, "parse_str") || !strcmp(name, "import_request_variables")) {
        /* parse_str() with a result array makes no variables */
        if (args->n >= 1 && (args->v[0].taint & T_SRC) && (args->n == 1 || name[0] != 'p')) {
            a->scope->extracted = 1;
            sink(a, SK_EXTRACT, name, &args->v[0], line);
        }
        return;
    }
    if (!strcmp(name, "define") && args->n >= 2 && args->v[0].c.s) {
        pval_t *c = apr_palloc(a->p, sizeof(*c));
        *c = args->v[1];
        apr_hash_set(a->consts, apr_pstrmemdup(a->p, args->v[0].c.s, args->v[0].c.n),
                     (apr_ssize_t)args->v[0].c.n, c);
        return;
    }
    if (!b) {
        if (f) { call_user(a, f, args, line, out); return; }
        /* Unknown functions (defined elsewhere, or further down: then a
         * second pass reads this call with the summary known). */
        *out = args->all;
        out->c.s = NULL;
        out->lv = LV_NONE;
        out->flags |= opaque_of(args);
        late_call(a, name, args, out);
        (void)obf;
        return;
    }
    if (!strcmp(name, "unserialize") && args->n >= 1 && (args->v[0].taint & T_REQ) && !a->unser) {
        pval_t *u = apr_palloc(a->p, sizeof(*u));
        *u = args->v[0];
        a->unser = u;
        a->unser_line = line;
    }
    switch (b->role) {
    case B_CODE:
        if (!strcmp(name, "create_function")) {
            code_sink(a, name, &args->all, line);
            if (args->n >= 2 && args->v[0].c.s && args->v[1].c.s && !(args->all.taint & T_SRC)) {
                out->fn = lambda(a, &args->v[0].c, &args->v[1].c, line);
            }
        }
        else if (args->n >= 1) code_sink(a, name, &args->v[0], line);
        break;
    case B_EXEC:
        if (args->n >= 1) sink(a, SK_EXEC, name, &args->v[0], line);
        if (args->n >= 1) exec_const(a, name, &args->v[0], line);
        if (args->n >= 1) exec_written(a, name, args->text[0], args->tlen[0], line);
        shell_stdin_open(a, name, args, out);
        if (args->n >= 1 && spawns_shell(&args->v[0], args->text[0], args->tlen[0])) {
            fact(a, apr_psprintf(a->p, "spawnshell %s line=%d", name, line));
        }
        exec_way(a, name, args->n >= 1 ? &args->v[0] : NULL);
        break;
    case B_CALLBACK:
        if (!strcmp(name, "ob_start") && args->n >= 1 && !(args->v[0].taint & T_SRC)) {
            /* what the script prints from now on goes through it */
            a->ob_cb = args->v[0];
            a->ob_set = 1;
        }
        callback(a, name, args, b->cb, line);
        if (!strcmp(name, "array_map") && args->n >= 2) *out = args->v[1], out->lv = LV_NONE;
        break;
    case B_PROP:
        if ((!strcmp(name, "preg_replace") || !strcmp(name, "preg_filter"))
            && args->n >= 2 && has_e_modifier(&args->v[0])) {
            pval_t code = args->v[1];
            /* the subject is what /e runs the replacement on: its request data
             * counts, and a constant replacement stays a payload */
            if (args->n >= 3 && (args->v[2].taint & T_SRC) && !(code.taint & T_SRC)) {
                code.taint |= args->v[2].taint & T_SRC;
                code.org = args->v[2].org;
            }
            code_sink(a, "preg_replace/e", &code, line);
        }
        else if ((!strcmp(name, "preg_replace") || !strcmp(name, "preg_filter"))
                 && args->n >= 2 && (args->v[0].taint & T_SRC) && !args->v[0].c.s
                 && !(args->v[0].flags & V_FIXEDTAIL)) {
            /* a pattern the request (or an image's EXIF text) writes whole,
             * modifiers included: a trailing "e" runs the replacement as code */
            pval_t code = args->v[1];
            if (!(code.taint & T_SRC)) {
                code.taint |= args->v[0].taint & T_SRC;
                code.org = args->v[0].org;
            }
            code.c.s = NULL;
            code_sink(a, "preg_replace/e", &code, line);
        }
        *out = args->all;
        out->c.s = NULL;
        out->lv = LV_NONE;
        if (is_decoder(name)) out->flags |= opaque_of(args);
        if (is_parser(name)) out->flags |= V_PARSED;
        if (args->n >= 1 && (args->v[0].flags & V_SERVER)) {
            /* array_values($_SERVER) & co: its items, headers among them */
            out->taint |= T_REQ;
            out->org = step(a, NULL, apr_pstrcat(a->p, name, "($_SERVER)", NULL), line);
            a->request_read = 1;
        }
        break;
    case B_SOURCE:
        out->taint = T_REQ;
        out->org = step(a, NULL, apr_pstrcat(a->p, name, "()", NULL), line);
        a->request_read = 1;
        break;
    case B_NETSRC:
        out->taint = T_NET;
        out->org = step(a, NULL, apr_pstrcat(a->p, name, "()", NULL), line);
        if (strcmp(name, "curl_exec") && strcmp(name, "file_get_contents")
            && strcmp(name, "exif_read_data")) {
            out->flags |= V_HANDLE;
        }
        io_sinks(a, name, args, line);
        break;
    case B_READ:
        if (!strcmp(name, "fopen")) note_fopen(a, args);
        if (args->n >= 1 && requested_path(&args->v[0]) && reads_path(name, args)) {
            cap(a, SG_CAP_READANY, line);
        }
        if (args->n >= 1) {
            /* what a read returns is as much the request's as its path: a
             * wrapper (function get($f) { return file_get_contents($f); })
             * passes its parameter on, as the direct call does; and writes
             * through a handle fopen()ed on a parameter's path are
             * summarised by note_write() */
            out->taint = args->v[0].taint & ~T_UNSET;
            out->org = args->v[0].org;
        }
        break;
    default:
        if (b->cap == SG_CAP_FILELIST && args->n >= 1 && requested_path(&args->v[0])) {
            cap(a, SG_CAP_BROWSE, line);
        }
        io_sinks(a, name, args, line);
    }
}

/* A call of the value CALLEE (a variable, a closure, a built name). */
static void call_value(an_t *a, pval_t *callee, int line, pval_t *out, const char *what)
{
    args_t args;

    read_args(a, &args);
    unknown(out);
    if (callee->flags & V_UNRES) a->unres_sink = 1;
    if (callee->taint & T_SRC) {
        sink(a, SK_CALLNAME, what, callee, line);
        return;
    }
    if (a->fn && (callee->taint & ~T_SRC)) sink(a, SK_CALLNAME, what, callee, line);
    if (callee->fn) {
        call_user(a, callee->fn, &args, line, out);
        return;
    }
    if (callee->c.s && callee->c.n < 128) {
        char *cn = apr_pstrmemdup(a->p, callee->c.s, callee->c.n);
        const char *kind, *bs;
        int i;
        for (i = 0; cn[i]; i++) {
            /* a fact is one line: control bytes in a built name shown as '?' */
            cn[i] = (unsigned char)cn[i] < 0x20 || cn[i] == 0x7f ? '?' : (char)apr_tolower(cn[i]);
        }
        if ((bs = strrchr(cn, '\\')) != NULL) cn = (char *)bs + 1;
        kind = callee_kind(cn);
        if (kind || (callee->flags & V_OBF)) {
            fact(a, apr_psprintf(a->p, "dyncall %s %s obf=%d line=%d", kind ? kind : "other",
                                 cn, obf_level(callee), line));
        }
        call_named(a, cn, (callee->flags & V_OBF) != 0, &args, line, out);
        return;
    }
    /* A callee nobody can name (defined elsewhere, or built at run time):
     * its result carries its arguments' data, as an unknown function's. */
    hidden_call(a, callee, &args.all, line);
    *out = args.all;
    out->c.s = NULL;
    out->arr = NULL;
    out->lv = LV_NONE;
    /* $$name('...long base64...'): as an unknown function, what it returns
     * from a long constant is that constant transformed (a packed payload) */
    out->flags |= opaque_of(&args);
}

/* ---------------------------------------------------------------- literals */

static int arr_find(const arr_t *arr, const sg_php_str_t *k);

/* The constant a variable reference inside "..." names: NAME..NE is the
 * name; "[key]" after it picks an item of a constant array.  *AFTER: the
 * first byte past the reference.  NULL when it is no clean constant. */
static const sg_php_str_t *interp_ref(an_t *a, const char *name, const char *ne,
                                      const char *end, const char **after)
{
    const pval_t *v = var_get(a, name, (apr_size_t)(ne - name));
    const char *close;
    sg_php_str_t key;
    int at;

    *after = ne;
    if (!v || v->taint) return NULL;
    if (ne >= end || *ne != '[') {
        static const sg_php_str_t array_word = { "Array", 5 };   /* "$arr" */
        return v->c.s && !v->arr ? &v->c : v->arr && !v->c.s ? &array_word : NULL;
    }
    close = memchr(ne, ']', (apr_size_t)(end - ne) < 66 ? (apr_size_t)(end - ne) : 66);
    if (!close || !v->arr) return NULL;
    key.s = ne + 1;
    key.n = (apr_size_t)(close - key.s);
    if (key.n >= 2 && (key.s[0] == '\'' || key.s[0] == '"') && key.s[key.n - 1] == key.s[0]) {
        key.s++;
        key.n -= 2;
    }
    key.s = apr_pstrmemdup(a->p, key.s, key.n);
    at = arr_find(v->arr, &key);
    if (at < 0 || !v->arr->v[at].s) return NULL;
    *after = close + 1;
    return &v->arr->v[at];
}

/* "...$name...{$name}...$list[2]..." whose variables all hold clean
 * constants: the constant it makes ("py($c,$a);" with $c = '$_GET[u]').
 * Property forms ($o->p) and ${expr} are not folded, nor strings of more
 * than MAX_INTERP_PARTS variables.  0: not constant. */
#define MAX_INTERP_PARTS 16
static int interp_const(an_t *a, const sg_tok_t *t, pval_t *out)
{
    struct { const char *text, *text_end; const sg_php_str_t *v; } part[MAX_INTERP_PARTS + 1];
    const char *s = t->text, *end = t->text + t->len, *seg, *p;
    apr_size_t max = a->budget < MAX_CONST ? a->budget : MAX_CONST, bound = 0, n = 0;
    int np = 0, i, escaped = 0;
    char *buf;

    if (t->kind != SG_TK_DQ || t->len < 2) return 0;
    if (*s == 'b' || *s == 'B') s++;
    s++;
    if (!(t->flags & SG_TK_UNTERMINATED)) end--;
    /* first the parts: text runs (decoded later) and the variables after them */
    for (seg = p = s; p < end;) {
        int brace = p[0] == '{' && p + 1 < end && p[1] == '$';
        const char *name, *ne, *after;
        const sg_php_str_t *v;
        if (*p == '\\') { p += 2; continue; }
        if (*p != '$' && !brace) { p++; continue; }
        name = p + (brace ? 2 : 1);
        for (ne = name; ne < end && (apr_isalnum(*ne) || *ne == '_' || (unsigned char)*ne >= 0x80);) ne++;
        if (ne == name) {
            if (*p == '$' && name < end && *name == '{') return 0;   /* ${expr} */
            p++;
            continue;
        }
        if (ne + 1 < end && *ne == '-' && ne[1] == '>') return 0;
        v = interp_ref(a, name, ne, end, &after);
        if (np == MAX_INTERP_PARTS || !v || (brace && (after >= end || *after != '}'))) return 0;
        part[np].text = seg;
        part[np].text_end = p;
        part[np++].v = v;
        bound += (apr_size_t)(p - seg) + v->n;
        p = seg = after + (brace ? 1 : 0);
    }
    part[np].text = seg;
    part[np].text_end = end;
    part[np].v = NULL;
    bound += (apr_size_t)(end - seg);
    if (bound > max) return 0;         /* decoded text is never longer than raw */
    buf = apr_palloc(a->p, bound + 1);
    for (i = 0; i <= np; i++) {
        if (part[i].text_end > part[i].text) {
            sg_php_str_t txt;
            sg_php_unescape_dq(part[i].text, (apr_size_t)(part[i].text_end - part[i].text),
                               a->p, &txt, &escaped);
            memcpy(buf + n, txt.s, txt.n);
            n += txt.n;
        }
        if (part[i].v) {
            memcpy(buf + n, part[i].v->s, part[i].v->n);
            n += part[i].v->n;
        }
    }
    buf[n] = '\0';
    a->budget -= n;
    set_const(out, buf, n, V_OBF | (escaped ? V_STRONG : 0));
    return 1;
}

/* The value of an interpolating string: the taint of its variables. */
static void interp(an_t *a, const sg_tok_t *t, pval_t *out)
{
    const char *s = t->text, *end = t->text + t->len;
    const char *body = t->text + (t->kind == SG_TK_DQ || t->kind == SG_TK_BACKTICK ? 1 : 0);
    int clean_head = -1;               /* 1: the string starts with text or clean data */

    unknown(out);
    if (t->kind == SG_TK_HEREDOC) {
        const char *nl = memchr(s, '\n', t->len);
        body = nl ? nl + 1 : end;
    }
    while ((s = memchr(s, '$', (apr_size_t)(end - s))) != NULL) {
        const char *n = ++s;
        pval_t v;
        while (n < end && (apr_isalnum(*n) || *n == '_' || (unsigned char)*n >= 0x80)) n++;
        if (n == s) continue;
        read_var(a, s, (apr_size_t)(n - s), (int)t->line, &v);
        if (clean_head < 0) {
            /* "{$x}" and "${x}" start at their brace */
            const char *at = s - 1;
            if (at > body && at[-1] == '{') at--;
            clean_head = at > body || !(v.taint & ~T_UNSET);
        }
        /* "dir/$name": data after a fixed start, as "dir/" . $name */
        if (clean_head == 1 && (v.taint & ~T_UNSET) && !(out->taint & ~T_UNSET)) {
            v.flags |= V_FIXEDHEAD;
        }
        merge(out, &v);
        out->flags |= v.flags & V_FIXEDHEAD;
        s = n;
    }
    out->lv = LV_NONE;
}

static void literal(an_t *a, const sg_tok_t *t, pval_t *out)
{
    sg_php_str_t v;
    int escaped = 0;

    if (!sg_php_literal(t, a->p, &v, &escaped)) {
        if (!interp_const(a, t, out)) interp(a, t, out);
        return;
    }
    set_const(out, v.s, v.n, escaped ? V_OBF | V_STRONG : V_LIT);
    if (escaped) keep_string(a, v.s, v.n);
}

static const char *memfind_(const char *h, apr_size_t n, const sg_php_str_t *needle)
{
    const char *end = h + n, *p = h;

    while (p + needle->n <= end) {
        const char *c = memchr(p, needle->s[0], (apr_size_t)(end - p));
        if (!c || c + needle->n > end) return NULL;
        if (!memcmp(c, needle->s, needle->n)) return c;
        p = c + 1;
    }
    return NULL;
}

/* Appends K => V (or K => SUB, a constant array) to ARR, growing it by
 * doubling up to MAX_ITEMS; 0 when full. */
static int arr_push(an_t *a, arr_t *arr, int *cap, const sg_php_str_t *k, const sg_php_str_t *v,
                    arr_t *sub)
{
    if (arr->n >= MAX_ITEMS) return 0;
    if (arr->n == *cap) {
        int ncap = *cap ? *cap * 2 : 8;
        sg_php_str_t *nv = apr_palloc(a->p, sizeof(*nv) * (apr_size_t)ncap);
        sg_php_str_t *nk = apr_palloc(a->p, sizeof(*nk) * (apr_size_t)ncap);
        arr_t **ns = arr->sub || sub ? apr_pcalloc(a->p, sizeof(*ns) * (apr_size_t)ncap) : NULL;
        if (arr->n) {
            memcpy(nv, arr->v, sizeof(*nv) * (apr_size_t)arr->n);
            memcpy(nk, arr->k, sizeof(*nk) * (apr_size_t)arr->n);
            if (arr->sub) memcpy(ns, arr->sub, sizeof(*ns) * (apr_size_t)arr->n);
        }
        arr->v = nv;
        arr->k = nk;
        arr->sub = ns;
        *cap = ncap;
    }
    else if (sub && !arr->sub) {
        arr->sub = apr_pcalloc(a->p, sizeof(*arr->sub) * (apr_size_t)*cap);
    }
    arr->v[arr->n] = *v;
    arr->k[arr->n] = *k;
    if (arr->sub) arr->sub[arr->n] = sub;
    arr->n++;
    return 1;
}

/* The item of ARR at key K (a positional key counts by its place), -1. */
static int arr_find(const arr_t *arr, const sg_php_str_t *k)
{
    long long pos = -1;
    apr_size_t d = k->n && k->s[0] == '-' ? 1 : 0;
    int i;

    /* a positional item answers a numeric key only ("k" is not item 0) */
    while (d < k->n && apr_isdigit(k->s[d])) d++;
    if (k->n && d == k->n) pos = apr_atoi64(k->s);

    for (i = 0; i < arr->n; i++) {
        const sg_php_str_t *key = &arr->k[i];
        if ((key->s && key->n == k->n && !memcmp(key->s, k->s, k->n)) || (!key->s && i == pos)) {
            return i;
        }
    }
    return -1;
}

/* $v['k'] = V or $v[] = V with V a constant string or array, into CUR (NULL:
 * a new array): a copy of CUR's array with the item set, or NULL when that
 * cannot be told (too many items, or the copying budget spent).  Copies,
 * because arrays are values in PHP ($b = $a; $a['k'] = 1 leaves $b). */
static arr_t *arr_with(an_t *a, const arr_t *cur, const pval_t *lhs, const pval_t *v)
{
    arr_t *arr = apr_pcalloc(a->p, sizeof(*arr));
    int cap = 0, i, at = -1, n = cur ? cur->n : 0;
    apr_size_t cost = (apr_size_t)(n + 1) * (2 * sizeof(sg_php_str_t) + sizeof(arr_t *));
    sg_php_str_t nokey = { NULL, 0 }, nov = { NULL, 0 };

    if (a->arr_copied + cost > MAX_ARR_COPY) return NULL;
    a->arr_copied += cost;
    if (cur && lhs->lvkey == LK_CONST) at = arr_find(cur, &lhs->lvk);
    for (i = 0; i < n; i++) {
        int set = i == at;
        if (!arr_push(a, arr, &cap, &cur->k[i], set ? (v->arr ? &nov : &v->c) : &cur->v[i],
                      set ? v->arr : cur->sub ? cur->sub[i] : NULL)) {
            return NULL;
        }
    }
    if (at < 0 && !arr_push(a, arr, &cap, lhs->lvkey == LK_CONST ? &lhs->lvk : &nokey,
                            v->arr ? &nov : &v->c, v->arr)) {
        return NULL;
    }
    return arr;
}

/* [ ... ] or array( ... ): a constant array when every item is one. */
/* A number or a '...' string: a value with no taint, no flags, nothing to
 * keep (a "..." string may carry escapes the signatures are shown). */
static int plain_scalar(const sg_tok_t *t)
{
    return t->kind == SG_TK_NUM || (t->kind == SG_TK_SQ && !(t->flags & SG_TK_UNTERMINATED));
}

/* 1 when token K ends an item of an array closed by CLOSE. */
static int item_ends(an_t *a, int k, unsigned close)
{
    return is_op(a, k, ",") || is_code(a, k, close);
}

/* In an array whose items are no longer kept (past MAX_ITEMS, or inside
 * such an array), an item that is a plain scalar, or a plain scalar key
 * with a plain scalar value, adds nothing to what the array carries: it is
 * read past without expr() (a font's metric table holds 20,000 "123 => 456"
 * items).  A plain key before any other value is read past too, and the
 * value as usual.  1 when the item was read (into OUT); *KEYED set when it
 * had a key. */
static int plain_item(an_t *a, unsigned close, pval_t *out, int *keyed)
{
    pval_t v;

    if (!plain_scalar(peek(a, 0))) return 0;
    if (item_ends(a, 1, close)) {
        advance(a);
        return 1;
    }
    if (!is_op(a, 1, "=>")) return 0;
    *keyed = 1;
    if (plain_scalar(peek(a, 2))) {
        advance(a);                        /* the key: "=>", the value, then? */
        if (item_ends(a, 2, close)) {
            advance(a);
            advance(a);
            return 1;
        }
    }
    else advance(a);
    advance(a);                            /* "=>" */
    take(a, "&");
    a->arr_off++;
    expr(a, 1, &v);
    a->arr_off--;
    merge(out, &v);
    return 1;
}

static void array_lit(an_t *a, unsigned close, pval_t *out)
{
    int allconst = !a->arr_off, cap = 0, items = 0, keyed = 0;
    unsigned first_taint = 0, second_taint = 0;
    arr_t *arr = allconst ? apr_pcalloc(a->p, sizeof(*arr)) : NULL;

    unknown(out);
    while (!at_end(a) && !is_code(a, 0, close)) {
        pval_t k, v;
        int off = !allconst;
        if (!allconst && items > 2 && plain_item(a, close, out, &keyed)) {
            items++;
            if (!take(a, ",")) break;
            continue;
        }
        unknown(&k);
        take(a, "...");
        take(a, "&");
        /* Items of an array not kept (over MAX_ITEMS, or with an unknown
         * item) keep no arrays either: a 20,000-row table in a font file
         * allocated 6 MB of rows nobody could look up. */
        a->arr_off += off;
        expr(a, 1, &v);
        if (take(a, "=>")) {
            k = v;
            take(a, "&");
            expr(a, 1, &v);
        }
        a->arr_off -= off;
        if (k.c.s || k.taint) keyed = 1;
        if (items == 0) first_taint = v.taint;
        else if (items == 1) second_taint = v.taint;
        items++;
        merge(out, &v);
        if (k.taint) merge(out, &k);
        /* an unknown item (a constant like FILTER_CALLBACK) is kept as such:
         * the other items still tell what the array does */
        if (!allconst || !arr_push(a, arr, &cap, &k.c, &v.c, v.c.s ? NULL : v.arr)) {
            allconst = 0;
        }
        if (!take(a, ",")) break;
    }
    if (is_code(a, 0, close)) advance(a);
    if (allconst && !out->taint) out->arr = arr;
    if (items == 2 && !keyed && !(first_taint & (T_SRC | T_UNSET)) && (second_taint & T_SRC)) {
        out->flags |= V_METHODCB;
    }
}

/* ---------------------------------------------------------------- functions */

/* Reads "( params )" into F. */
static void params(an_t *a, func_t *f)
{
    int depth = 0, want = 1, byref = 0;

    if (!is_op(a, 0, "(")) return;
    do {
        sg_tok_t *t = peek(a, 0);
        if (t->kind == SG_TK_END) return;
        if (t->kind == SG_TK_OP && t->len == 1 && strchr("([{", t->text[0])) depth++;
        else if (t->kind == SG_TK_OP && t->len == 1 && strchr(")]}", t->text[0])) depth--;
        else if (depth == 1 && t->kind == SG_TK_OP && t->len == 1 && t->text[0] == ',') want = 1;
        else if (depth == 1 && t->kind == SG_TK_VAR && want) {
            if (f->nparams < MAX_PARAMS) {
                f->pname[f->nparams] = apr_pstrmemdup(a->p, t->text + 1, t->len - 1);
                if (byref) f->byref |= 1u << f->nparams;
            }
            f->nparams++;
            want = 0;
        }
        byref = depth == 1 && want && t->kind == SG_TK_OP && t->len == 1 && t->text[0] == '&';
        advance(a);
    } while (depth > 0);
}

/* A function that runs its parameter with three or more of system(),
 * exec(), passthru()...: one after another, whichever the host left
 * enabled (the exe() helper of web shells).  Said once per function. */
static void exec_helper(an_t *a, const func_t *f, int line)
{
    unsigned bits = f->exec_ways;
    int n = 0;

    for (; bits; bits &= bits - 1) n++;
    if (n >= 3 && a->pass == 1 && a->inline_depth == 0) {
        fact(a, apr_psprintf(a->p, "exechelper %d %s line=%d", n, f->name, line));
    }
}

/* Reads a function body ("{...}", or ";" when abstract) in a new scope with
 * F's parameters; CAPTURE (may be NULL) is the scope closures read "use"
 * variables from, LEXICAL the scope arrow functions read through. */
static void function_body(an_t *a, func_t *f, scope_t *lexical, int arrow, pval_t *arrow_ret)
{
    scope_t sc, *saved_scope = a->scope;
    func_t *saved_fn = a->fn;
    int saved_class = a->class_body, saved_arr_off = a->arr_off, i;
    int line = (int)peek(a, 0)->line;

    memset(&sc, 0, sizeof(sc));
    sc.vars = apr_hash_make(a->p);
    sc.parent = arrow ? lexical : NULL;
    a->arr_off = 0;                    /* a closure's arrays are its own */
    for (i = 0; i < f->nparams && i < MAX_PARAMS; i++) {
        pval_t v;
        unknown(&v);
        v.taint = T_PARAM0 << i;
        var_set(a, &sc, f->pname[i], strlen(f->pname[i]), &v);
    }
    if (is_name(a, 0, "use") && is_op(a, 1, "(")) {
        advance(a);
        advance(a);
        while (!at_end(a) && !is_op(a, 0, ")")) {
            sg_tok_t *t = peek(a, 0);
            if (t->kind == SG_TK_VAR) {
                pval_t *v = var_get(a, t->text + 1, t->len - 1);
                pval_t u;
                if (v) u = *v; else unknown(&u);
                var_set(a, &sc, t->text + 1, t->len - 1, &u);
            }
            advance(a);
        }
        take(a, ")");
    }
    if (take(a, ":")) {
        while (!at_end(a) && !is_op(a, 0, "{") && !is_op(a, 0, ";") && !is_op(a, 0, "=>")) advance(a);
    }
    a->scope = &sc;
    a->fn = f;
    a->class_body = 0;
    if (arrow) {
        if (take(a, "=>")) {
            expr(a, 2, arrow_ret);
            f->ret_params |= arrow_ret->taint & ~T_SRC;
            f->ret_taint |= arrow_ret->taint & T_SRC;
        }
    }
    else if (is_op(a, 0, "{")) {
        unsigned long t0 = a->ticks;
        if (!f->body && a->inline_depth == 0) {
            f->body = apr_palloc(a->p, sizeof(*f->body));
            lex_save(a, f->body);
        }
        advance(a);
        block(a);
        if (a->inline_depth == 0) f->body_ticks = a->ticks - t0;
    }
    else {
        take(a, ";");
    }
    f->defined = 1;
    exec_helper(a, f, line);
    a->scope = saved_scope;
    a->fn = saved_fn;
    a->class_body = saved_class;
    a->arr_off = saved_arr_off;
}

/* "function name(...) {...}" at statement level, or a method. */
static void function_def(an_t *a, const char *cls)
{
    const char *name;
    func_t *f;

    advance(a);                        /* function */
    take(a, "&");
    if (peek(a, 0)->kind != SG_TK_NAME) return;
    name = name_of(a, peek(a, 0));
    advance(a);
    f = user_func(a, name, 1);
    if (a->pass == 1) {
        const int *late = apr_hash_get(a->early, name, APR_HASH_KEY_STRING);
        if (late) late_defined(a, *late);
    }
    f->nparams = 0;
    params(a, f);
    if (!enter(a)) { skip_group(a); return; }
    function_body(a, f, NULL, 0, NULL);
    a->depth--;
    if (cls) apr_hash_set(a->funcs, apr_pstrcat(a->p, cls, "::", name, NULL), APR_HASH_KEY_STRING, f);
}

/* A closure or arrow function value. */
static void closure(an_t *a, int arrow, pval_t *out)
{
    func_t *f = apr_pcalloc(a->p, sizeof(*f));
    pval_t ret;

    f->name = "{closure}";
    advance(a);                        /* function / fn */
    take(a, "&");
    unknown(out);
    unknown(&ret);
    params(a, f);
    if (!enter(a)) return;
    function_body(a, f, a->scope, arrow, &ret);
    a->depth--;
    out->fn = f;
}

/* ---------------------------------------------------------------- expressions */

/* $$n = V where $n goes over the constant list NAMES: each variable named. */
static void varvar_names(an_t *a, const arr_t *names, const pval_t *v, int line)
{
    int i;

    for (i = 0; i < names->n && i < 64; i++) {
        const sg_php_str_t *nm = &names->v[i];
        pval_t set = *v;
        if (!nm->s || nm->n == 0 || nm->n > 64) continue;
        set.org = step(a, v->org, apr_pstrcat(a->p, "$$ $", apr_pstrmemdup(a->p, nm->s, nm->n),
                                              NULL), line);
        var_set(a, a->scope, nm->s, nm->n, &set);
    }
}

static void assign(an_t *a, pval_t *lhs, const pval_t *rhs, int line)
{
    pval_t v = *rhs;

    v.lv = LV_NONE;
    v.flags &= ~(unsigned)V_VARVAR;     /* a mark of the lvalue, not of the data */
    if ((lhs->flags & V_VARVAR) && (v.taint & T_SRC) && lhs->names) {
        /* foreach (explode(' ', 'cmd dir') as $n) $$n = $_POST[$n]: the
         * variables the list names are request data */
        varvar_names(a, lhs->names, &v, line);
    }
    else if ((lhs->flags & V_VARVAR) && (v.taint & T_SRC)) {
        /* foreach ($_POST as $k => $v) $$k = $v;  register_globals by hand:
         * as extract(), every variable the file reads may be request data */
        a->scope->extracted = 1;
        sink(a, SK_EXTRACT, "$$", &v, line);
    }
    if ((v.taint & T_SRC) && lhs->lvname && lhs->lv != LV_LIST) {
        v.org = step(a, rhs->org, apr_psprintf(a->p, "%s%s", lhs->lv == LV_PROP ? "->" : "$",
                                               lhs->lvname), line);
    }
    switch (lhs->lv) {
    case LV_VAR:
        if (a->class_body && !a->fn) {
            apr_hash_set(a->props, lhs->lvname, (apr_ssize_t)lhs->lvlen,
                         apr_pmemdup(a->p, &v, sizeof(v)));
        }
        else {
            var_set(a, a->scope, lhs->lvname, lhs->lvlen, &v);
            if (a->scope->globals
                && apr_hash_get(a->scope->globals, lhs->lvname, (apr_ssize_t)lhs->lvlen)) {
                global_store(a, lhs, &v, line);
            }
        }
        break;
    case LV_ELEM: {
        /* an element: the whole variable carries its taint */
        pval_t *cur = var_get(a, lhs->lvname, lhs->lvlen);
        pval_t m;
        arr_t *arr = NULL;
        if (lhs->lvkey != LK_OTHER && (v.c.s || v.arr) && !v.taint
            && (!cur || (cur->arr && !cur->taint))) {
            arr = arr_with(a, cur ? cur->arr : NULL, lhs, &v);
        }
        if (cur) m = *cur; else unknown(&m);
        if (arr) { unknown(&m); m.arr = arr; m.flags = v.flags & (V_OBF | V_STRONG); }
        else if (!cur || (!cur->arr && !cur->c.s)) { merge(&m, &v); m.c.s = NULL; }
        else { m.arr = NULL; m.c.s = NULL; merge(&m, &v); }
        var_set(a, a->scope, lhs->lvname, lhs->lvlen, &m);
        break;
    }
    case LV_PROP: {
        pval_t *cur = apr_hash_get(a->props, lhs->lvname, (apr_ssize_t)lhs->lvlen);
        prop_sink_t *ps = apr_hash_get(a->prop_sinks, lhs->lvname, (apr_ssize_t)lhs->lvlen);
        pval_t m = v;
        if (ps) {
            taint_fact(a, ps->kind, ps->sink, &v, ps->line);
            if (ps->kind == SK_CODE && v.c.s) payload(a, &v, ps->sink, ps->line);
        }
        if (cur && (cur->taint & T_SRC)) merge(&m, cur);
        apr_hash_set(a->props, lhs->lvname, (apr_ssize_t)lhs->lvlen, apr_pmemdup(a->p, &m, sizeof(m)));
        if (a->fn && (v.taint & T_PARAMS)) {
            /* a constructor's $this->cmd = $get['cmd']: its callers' data */
            note_stored(a->fn->prop_params, &a->fn->nprop_params, lhs, v.taint & T_PARAMS, line);
        }
        break;
    }
    case LV_SESSION:
        merge(&a->session, &v);
        break;
    default:
        break;
    }
}

static int prec_of(an_t *a, const sg_tok_t *t, int *right)
{
    unsigned o = t->op;

    (void)a;
    *right = 0;
    if (t->kind == SG_TK_NAME) {
        if (t->len == 2 && !strncasecmp(t->text, "or", 2)) return 1;
        if (t->len == 3 && !strncasecmp(t->text, "xor", 3)) return 2;
        if (t->len == 3 && !strncasecmp(t->text, "and", 3)) return 3;
        if (t->len == 10 && !strncasecmp(t->text, "instanceof", 10)) return 18;
        return 0;
    }
    if (t->kind != SG_TK_OP) return 0;
    /* PHP's precedence, low to high: assignments 4, ?: 5, ?? 6, || 7, && 8,
     * | 9, ^ 10, & 11, equality 12, comparison 13, . 14, shifts 15, + - 16,
     * * / % 17, instanceof 18, ** 19 (the most common first). */
    if (o == SG_OP(".")) { *right = 0; return 14; }
    if (o == SG_OP("=")) { *right = 1; return 4; }
    if (o == SG_OP("==")) { *right = 0; return 12; }
    if (o == SG_OP("===")) { *right = 0; return 12; }
    if (o == SG_OP("!=")) { *right = 0; return 12; }
    if (o == SG_OP("!==")) { *right = 0; return 12; }
    if (o == SG_OP("&&")) { *right = 0; return 8; }
    if (o == SG_OP("||")) { *right = 0; return 7; }
    if (o == SG_OP("?")) { *right = 0; return 5; }
    if (o == SG_OP("+")) { *right = 0; return 16; }
    if (o == SG_OP("-")) { *right = 0; return 16; }
    if (o == SG_OP("*")) { *right = 0; return 17; }
    if (o == SG_OP("/")) { *right = 0; return 17; }
    if (o == SG_OP(".=")) { *right = 1; return 4; }
    if (o == SG_OP("??")) { *right = 1; return 6; }
    if (o == SG_OP("<")) { *right = 0; return 13; }
    if (o == SG_OP(">")) { *right = 0; return 13; }
    if (o == SG_OP("<=")) { *right = 0; return 13; }
    if (o == SG_OP(">=")) { *right = 0; return 13; }
    if (o == SG_OP("|")) { *right = 0; return 9; }
    if (o == SG_OP("&")) { *right = 0; return 11; }
    if (o == SG_OP("^")) { *right = 0; return 10; }
    if (o == SG_OP("%")) { *right = 0; return 17; }
    if (o == SG_OP("+=")) { *right = 1; return 4; }
    if (o == SG_OP("-=")) { *right = 1; return 4; }
    if (o == SG_OP("*=")) { *right = 1; return 4; }
    if (o == SG_OP("/=")) { *right = 1; return 4; }
    if (o == SG_OP("%=")) { *right = 1; return 4; }
    if (o == SG_OP("&=")) { *right = 1; return 4; }
    if (o == SG_OP("|=")) { *right = 1; return 4; }
    if (o == SG_OP("^=")) { *right = 1; return 4; }
    if (o == SG_OP("<<=")) { *right = 1; return 4; }
    if (o == SG_OP(">>=")) { *right = 1; return 4; }
    if (o == SG_OP("**=")) { *right = 1; return 4; }
    if (o == SG_OP("?\?=")) { *right = 1; return 4; }
    if (o == SG_OP("<>")) { *right = 0; return 12; }
    if (o == SG_OP("<=>")) { *right = 0; return 12; }
    if (o == SG_OP("<<")) { *right = 0; return 15; }
    if (o == SG_OP(">>")) { *right = 0; return 15; }
    if (o == SG_OP("**")) { *right = 1; return 19; }
    return 0;
}

/* $_SERVER[K]: the request's own headers and URI are request data;
 * SCRIPT_FILENAME names this file. */
static void server_key(an_t *a, const pval_t *k, int line, pval_t *r)
{
    unknown(r);
    if ((k->c.n > 5 && !memcmp(k->c.s, "HTTP_", 5)) || !strcmp(k->c.s, "QUERY_STRING")
        || !strcmp(k->c.s, "REQUEST_URI") || !strcmp(k->c.s, "PATH_INFO")) {
        r->taint = T_REQ;
        r->org = step(a, NULL, apr_psprintf(a->p, "$_SERVER['%s']", key_text(a, &k->c)), line);
        a->request_read = 1;
        cap(a, SG_CAP_REQUEST, line);
    }
    else if (!strcmp(k->c.s, "SCRIPT_FILENAME") || !strcmp(k->c.s, "PHP_SELF")
             || !strcmp(k->c.s, "SCRIPT_NAME")) {
        r->flags = V_SELF;
    }
}

/* An index [K] (or {K}) of V. */
static void index_of(an_t *a, pval_t *v, int line)
{
    pval_t k, r;
    unsigned close = is_op(a, 0, "[") ? SG_OP("]") : SG_OP("}");
    int empty;

    advance(a);
    unknown(&k);
    empty = is_code(a, 0, close);
    if (!empty) expr(a, 1, &k);
    if (is_code(a, 0, close)) advance(a);
    r = *v;
    r.c.s = NULL;
    r.arr = NULL;
    r.fn = NULL;
    if ((v->flags & V_SERVER) && k.c.s) {
        server_key(a, &k, line, &r);
    }
    else if (v->c.s && k.c.s && !v->taint) {
        long long i = apr_atoi64(k.c.s);
        if (i < 0) i += (long long)v->c.n;
        if (i >= 0 && (apr_size_t)i < v->c.n) set_const(&r, v->c.s + i, 1, V_OBF | V_STRONG);
    }
    else if (v->c.s && !k.c.s && !v->taint && !(k.taint & T_SRC) && v->c.n >= MIN_OPAQUE) {
        /* a byte of a long constant at a computed place: the loop of a
         * decoder written in PHP (for (...) $d .= chr($t[$s[$i]] ...)) */
        r.flags |= V_OPAQUE;
    }
    /* ...and a table looked up with such a byte ($t[$s[$i]]) */
    if ((k.flags & V_OPAQUE) && !(k.taint & T_SRC)) r.flags |= V_OPAQUE;
    else if (v->arr && k.c.s) {
        int i = arr_find(v->arr, &k.c);
        if (i >= 0 && v->arr->v[i].s) set_const(&r, v->arr->v[i].s, v->arr->v[i].n, V_OBF);
        else if (i >= 0 && v->arr->sub && v->arr->sub[i]) r.arr = v->arr->sub[i];
    }
    if ((v->taint & T_SRC) && v->org && v->org->prev == NULL && v->lv == LV_NONE && k.c.s) {
        r.org = step(a, NULL, apr_psprintf(a->p, "%s['%s']", v->org->what, key_text(a, &k.c)),
                     line);
    }
    if (v->lv == LV_VAR || v->lv == LV_ELEM) {
        r.lv = LV_ELEM;
        r.lvname = v->lvname;
        r.lvlen = v->lvlen;
        r.lvkey = v->lv == LV_ELEM ? LK_OTHER : empty ? LK_APPEND : k.c.s ? LK_CONST : LK_OTHER;
        if (r.lvkey == LK_CONST) r.lvk = k.c;
    }
    else if (v->lv == LV_SESSION) r.lv = LV_SESSION;
    else r.lv = LV_NONE;
    if (k.flags & V_SELF) r.flags |= V_SELF;
    if ((v->taint & T_REQ) && k.c.s && k.c.n == 8 && !memcmp(k.c.s, "tmp_name", 8)
        && v->org && !strncmp(v->org->what, "$_FILES", 7)) {
        r.flags |= V_TMPNAME;
    }
    if (r.taint & T_SRC) r.flags &= ~(unsigned)V_SELF;
    *v = r;
}

static void call_named(an_t *a, const char *name, int obf, const args_t *args, int line,
                       pval_t *out);

static int method_sink(const char *name)
{
    return !strcmp(name, "eval") || !strcmp(name, "assert") || !strcmp(name, "system")
        || !strcmp(name, "shell_exec") || !strcmp(name, "passthru") || !strcmp(name, "popen")
        || !strcmp(name, "proc_open") || !strcmp(name, "executescript");
}

/* ->name, ->name(...), ::name(...), ::$prop after V. */
static void member(an_t *a, pval_t *v, int line)
{
    int is_static = is_op(a, 0, "::");
    sg_tok_t *t;
    const char *name;
    pval_t r;

    advance(a);
    t = peek(a, 0);
    unknown(&r);
    if (t->kind == SG_TK_NAME || (t->kind == SG_TK_VAR && is_static)) {
        name = t->kind == SG_TK_VAR ? name_of(a, t) + 1 : name_of(a, t);
        advance(a);
        if (is_op(a, 0, "(")) {
            func_t *f = user_func(a, name, 0);
            args_t args;
            read_args(a, &args);
            if (!f) late_call(a, name, &args, &r);   /* a method defined further down? */
            if (!strcmp(name, "set_role") && args.n >= 1) wp_set_role(a, args.text[0], args.tlen[0]);
            if (f) {
                call_user(a, f, &args, line, &r);
                /* Methods are known by name only: what another object's
                 * method of that name returns is not this file's to say. */
                if (!(v->flags & V_THIS) && !is_static) {
                    r.taint &= ~T_SRC;
                    r.org = NULL;
                }
            }
            else if (!strcmp(name, "__invoke") && v->fn) call_user(a, v->fn, &args, line, &r);
            else if (args.n >= 1 && args.v[0].taint && method_sink(name)) {
                /* ->eval(), ->system(): a bridge (Perl, V8, a shell class) runs it */
                sink(a, name[0] == 'e' || name[0] == 'a' ? SK_CODE : SK_EXEC,
                     apr_pstrcat(a->p, "->", name, NULL), &args.v[0], line);
            }
            else if ((v->flags & V_SHELLOBJ) && v->c.s
                     && (!strcmp(name, "invoke") || !strcmp(name, "invokeargs"))) {
                /* ReflectionFunction("system")->invoke(...) */
                char *fn = apr_pstrmemdup(a->p, v->c.s, v->c.n);
                apr_size_t k;
                for (k = 0; fn[k]; k++) fn[k] = (char)apr_tolower(fn[k]);
                call_named(a, fn, 0, &args, line, &r);
            }
            else if ((v->flags & V_SHELLOBJ) && args.n >= 1
                     && (!strcmp(name, "exec") || !strcmp(name, "run")
                         || !strcmp(name, "shellexecute"))) {
                /* WScript.Shell's Exec/Run */
                sink(a, SK_EXEC, apr_pstrcat(a->p, "->", name, NULL), &args.v[0], line);
            }
            else if ((!strcmp(name, "createfunction") || !strcmp(name, "sqlitecreatefunction")
                      || !strcmp(name, "createaggregate")) && args.n >= 2) {
                /* SQLite3/PDO: SQL calls the PHP function it names */
                callback(a, apr_pstrcat(a->p, "->", name, NULL), &args, 1, line);
            }
            else if ((!strcmp(name, "uasort") || !strcmp(name, "uksort")) && args.n >= 1
                     && v->taint) {
                /* ArrayObject/ArrayIterator sorting its request-filled
                 * elements with a callback: ->uasort('assert') */
                args_t cb;
                memset(&cb, 0, sizeof(cb));
                cb.v[0] = *v;
                cb.v[1] = args.v[0];
                cb.n = 2;
                cb.all = *v;
                callback(a, apr_pstrcat(a->p, "->", name, NULL), &cb, 1, line);
            }
            else if (!strcmp(name, "query") || !strcmp(name, "exec")) cap(a, SG_CAP_DB, line);
        }
        else if (!is_static || t->kind == SG_TK_VAR) {
            pval_t *pv = apr_hash_get(a->props, name, APR_HASH_KEY_STRING);
            if (pv) r = *pv;
            r.lv = LV_PROP;
            r.lvname = name;
            r.lvlen = strlen(name);
        }
        else if (!strcmp(name, "class")) {
            set_const(&r, "", 0, V_LIT);
        }
    }
    else if (t->kind == SG_TK_VAR || is_op(a, 0, "{")) {
        pval_t dyn;
        if (is_op(a, 0, "{")) { advance(a); expr(a, 1, &dyn); take(a, "}"); }
        else { read_var(a, t->text + 1, t->len - 1, line, &dyn); advance(a); }
        if (is_op(a, 0, "(")) {
            /* $obj->$name(): controllers dispatch so; the object limits what runs */
            args_t args;
            read_args(a, &args);
        }
    }
    *v = r;
}

static int is_num_str(const sg_php_str_t *c);

/* PHP's ++ on a constant: numbers count, "" becomes "1", and a string
 * ending in a letter or digit counts like an odometer ("Az" -> "Ba", "z"
 * -> "aa"); any other string is left as it is.  -- only counts numbers. */
static int incdec_const(an_t *a, const sg_php_str_t *c, int inc, sg_php_str_t *out)
{
    char *b;
    apr_size_t i;

    if (is_num_str(c)) {
        out->s = apr_psprintf(a->p, "%" APR_INT64_T_FMT, apr_atoi64(c->s) + (inc ? 1 : -1));
        out->n = strlen(out->s);
        return 1;
    }
    if (!inc) return 0;
    if (c->n == 0) { out->s = "1"; out->n = 1; return 1; }
    if (c->n > 256 || !apr_isalnum(c->s[c->n - 1])) return 0;
    b = apr_palloc(a->p, c->n + 2);
    memcpy(b + 1, c->s, c->n);
    b[c->n + 1] = '\0';
    for (i = c->n; i >= 1; i--) {
        char ch = b[i];
        if (ch == 'z' || ch == 'Z' || ch == '9') {
            b[i] = ch == 'z' ? 'a' : ch == 'Z' ? 'A' : '0';
            if (i == 1 || !apr_isalnum(b[i - 1])) {
                /* carried past the first letter or digit: one more in front */
                if (i > 1) return 0;
                b[0] = ch == 'z' ? 'a' : ch == 'Z' ? 'A' : '1';
                out->s = b;
                out->n = c->n + 1;
                return 1;
            }
            continue;
        }
        b[i] = (char)(ch + 1);
        break;
    }
    out->s = b + 1;
    out->n = c->n;
    return 1;
}

/* $v++ / ++$v / $v-- / --$v on V (an lvalue just read).  A variable holding
 * a constant gets the counted constant (obfuscators without letters count
 * "A" up to "Z"); an item incremented in a variable holding "" or nothing
 * turns it into an array ($_ = ""; $_[+$_]++; is array(1)).  PRE: V takes
 * the new value, else the old. */
static void incdec(an_t *a, pval_t *v, int inc, int pre)
{
    static const sg_php_str_t null_value = { "", 0 };    /* ++ of an unset variable */
    const sg_php_str_t *c = NULL;
    sg_php_str_t now;
    pval_t nv;

    if (v->lv == LV_VAR && v->lvname && !v->taint && !v->arr && !a->loop) {
        /* a constant, or nothing at all; a value the analyser cannot tell
         * (c.s NULL but set) is no constant to count from.  In a loop (its
         * head or body) a counter is no constant at all: it is unknown. */
        c = v->c.s ? &v->c : var_get(a, v->lvname, v->lvlen) ? NULL : &null_value;
    }
    if (v->lv == LV_VAR && v->lvname && !v->taint && !v->arr && a->loop) {
        unknown(&nv);
        nv.flags = v->flags & (V_OPAQUE | V_OBF);
        var_set(a, a->scope, v->lvname, v->lvlen, &nv);
        if (pre) *v = nv;
        v->lv = LV_NONE;
        return;
    }
    if (c && incdec_const(a, c, inc, &now)) {
        /* counting numbers is what loops do; counting letters, obfuscators */
        set_const(&nv, now.s, now.n, is_num_str(&now) ? V_LIT : V_OBF | V_STRONG);
        var_set(a, a->scope, v->lvname, v->lvlen, &nv);
        if (pre) *v = nv;
        v->lv = LV_NONE;
        return;
    }
    if (v->lv == LV_ELEM && v->lvname && inc) {
        pval_t *cur = var_get(a, v->lvname, v->lvlen);
        if (!cur || (cur->c.s && cur->c.n == 0 && !cur->taint)) {
            pval_t one, arr;
            set_const(&one, "1", 1, V_LIT);
            unknown(&arr);
            arr.arr = arr_with(a, NULL, v, &one);
            if (arr.arr) var_set(a, a->scope, v->lvname, v->lvlen, &arr);
        }
    }
    v->c.s = NULL;
    v->lv = LV_NONE;
}

static void postfix(an_t *a, pval_t *v, int line)
{
    for (;;) {
        sg_tok_t *t = peek(a, 0);
        if (a->stop || t->kind != SG_TK_OP) return;
        if (TOK_IS(t, "[") || (TOK_IS(t, "{") && t->text == a->prev_end
                                     && (v->lv == LV_VAR || v->lv == LV_ELEM))) {
            index_of(a, v, line);
        }
        else if (TOK_IS(t, "->") || TOK_IS(t, "?->") || TOK_IS(t, "::")) {
            member(a, v, line);
        }
        else if (TOK_IS(t, "(")) {
            pval_t callee = *v;
            const char *what = v->lvname ? apr_pstrcat(a->p, "$", v->lvname, NULL) : "(expr)";
            call_value(a, &callee, (int)t->line, v, what);
        }
        else if (TOK_IS(t, "++") || TOK_IS(t, "--")) {
            int inc = t->text[0] == '+';
            advance(a);
            incdec(a, v, inc, 0);
        }
        else return;
    }
}

/* include/require/eval/print-like constructs taking one expression. */
static int construct(an_t *a, int kw, int line, pval_t *out)
{
    pval_t v;

    if (kw == K_INCLUDE) {
        const char *w = name_of(a, peek(a, 0));
        advance(a);
        expr(a, 4, &v);
        /* include "dir/" . $x: the request picks a file under a fixed
         * directory, as template loaders do; the whole path is the sink */
        if (!(v.flags & V_FIXEDHEAD)) sink(a, SK_INCLUDE, w, &v, line);
        if (v.c.s && v.c.n) {
            const pval_t *wrote = apr_hash_get(a->written, v.c.s, (apr_ssize_t)v.c.n);
            if (wrote) sink(a, SK_CODE, w, wrote, line);
        }
        if (v.c.s && (v.flags & V_STRONG)) {
            /* a path spelt with escapes, chr() or XOR: code hidden in a
             * file the include does not name plainly (an .ico, a .png) */
            fact(a, apr_psprintf(a->p, "hidden include %s line=%d", w, line));
        }
        unknown(out);
        return 1;
    }
    if (kw == K_EVAL) {
        advance(a);
        expr(a, 20, &v);
        code_sink(a, "eval", &v, line);
        unknown(out);
        return 1;
    }
    if (kw == K_PRINTLIKE) {
        advance(a);
        if (is_name(a, 0, "from")) advance(a);
        expr(a, 4, out);
        out->lv = LV_NONE;
        return 1;
    }
    return 0;
}

/* new Name(args) / new class(...) {...} / new $var(args). */
static void new_expr(an_t *a, int line, pval_t *out)
{
    sg_tok_t *t;
    const char *cls = NULL;

    advance(a);
    t = peek(a, 0);
    unknown(out);
    if (t->kind == SG_TK_NAME) {
        cls = name_of(a, t);
        advance(a);
    }
    else if (t->kind == SG_TK_VAR) {
        pval_t v;
        /* new $class with a request-chosen class: factories do it; not a sink */
        read_var(a, t->text + 1, t->len - 1, line, &v);
        advance(a);
    }
    if (is_op(a, 0, "(")) {
        args_t args;
        func_t *f = cls ? apr_hash_get(a->funcs, apr_pstrcat(a->p, cls, "::__construct", NULL),
                                       APR_HASH_KEY_STRING) : NULL;
        read_args(a, &args);
        if (f) call_user(a, f, &args, line, out);
        if (cls && (!strcmp(cls, "mysqli") || !strcmp(cls, "pdo"))) cap(a, SG_CAP_DB, line);
        if (cls && !strcmp(cls, "directoryiterator")) cap(a, SG_CAP_FILELIST, line);
        if (cls && (!strcmp(cls, "callbackfilteriterator")
                    || !strcmp(cls, "recursivecallbackfilteriterator"))) {
            /* its callback is called on every item of the iterator */
            callback(a, cls, &args, 1, line);
        }
        unknown(out);
        if (cls && (!strcmp(cls, "arrayiterator") || !strcmp(cls, "arrayobject")
                    || !strcmp(cls, "iteratoriterator") || !strcmp(cls, "splfixedarray"))) {
            /* a container of its argument's items: they carry their data */
            out->taint = args.all.taint & T_SRC;
            out->org = args.all.org;
        }
        if (cls && !strcmp(cls, "reflectionfunction") && args.n >= 1
            && (args.v[0].taint & T_SRC)) {
            /* a function the request names, to be invoked */
            sink(a, SK_CALLNAME, "ReflectionFunction", &args.v[0], line);
        }
        if (cls && (!strcmp(cls, "com") || !strcmp(cls, "perl") || !strcmp(cls, "v8js")
                    || !strcmp(cls, "reflectionfunction"))) {
            out->flags = V_SHELLOBJ;
            if (args.n >= 1 && args.v[0].c.s) out->c = args.v[0].c;   /* the function */
            cap(a, SG_CAP_EXEC, line);
        }
        if (cls && (f = apr_hash_get(a->funcs, apr_pstrcat(a->p, cls, "::__invoke", NULL),
                                     APR_HASH_KEY_STRING)) != NULL) {
            out->fn = f;
        }
    }
    if (cls && !strcmp(cls, "class")) {
        /* anonymous class: its body is a class body */
        while (!at_end(a) && !is_op(a, 0, "{")) advance(a);
        if (take(a, "{")) {
            int saved = a->class_body;
            a->class_body = 1;
            block(a);
            a->class_body = saved;
        }
    }
}

/* A NAME at the start of an expression. */
/* 1 when S[0..N) holds a lower-case letter (no CONSTANT_NAME then). */
static int memchr_lower(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] >= 'a' && s[i] <= 'z') return 1;
    }
    return 0;
}

static void name_primary(an_t *a, pval_t *out)
{
    sg_tok_t *t = peek(a, 0);
    int line = (int)t->line, kw = kw_of(t);
    sg_tok_t name;
    pval_t *c;

    if (construct(a, kw, line, out)) return;
    switch (kw) {
    case K_FUNCTION: case K_FN:
        if (is_op(a, 1, "(") || is_op(a, 1, "&")) { closure(a, kw == K_FN, out); return; }
        break;
    case K_STATIC:
        if (is_name(a, 1, "function") || is_name(a, 1, "fn")) {
            advance(a);
            name_primary(a, out);
            return;
        }
        break;
    case K_NEW:
        new_expr(a, line, out);
        return;
    case K_ARRAY: case K_LIST:
        if (!is_op(a, 1, "(")) break;
        advance(a);
        advance(a);
        array_lit(a, SG_OP(")"), out);
        if (kw == K_LIST) out->lv = LV_LIST;
        return;
    case K_ISSETLIKE:
        if (!is_op(a, 1, "(")) break;
        advance(a);
        {
            args_t args;
            read_args(a, &args);
        }
        unknown(out);
        return;
    case K_EXIT:
        advance(a);
        unknown(out);
        if (is_op(a, 0, "(")) { args_t args; read_args(a, &args); }
        return;
    default:
        break;
    }
    name = *t;                         /* T is the lookahead slot: advance() reuses it */
    advance(a);
    unknown(out);
    if (is_op(a, 0, "(")) {
        args_t args;
        const char *w = name_of(a, &name);
        read_args(a, &args);
        call_named(a, w, 0, &args, line, out);
        return;
    }
    if (kw == K_TRUE) set_const(out, "1", 1, V_LIT);
    else if (kw == K_FALSE) set_const(out, "", 0, V_LIT);
    else if (kw == K_FILE) out->flags = V_SELF;
    else if (kw == K_PHP_EOL) set_const(out, "\n", 1, V_LIT);
    else if (apr_hash_count(a->consts)
             && (c = apr_hash_get(a->consts, name.text, (apr_ssize_t)name.len)) != NULL) *out = *c;
    else if (name.len == 19 && !memcmp(name.text, "DIRECTORY_SEPARATOR", 19)) set_const(out, "/", 1, V_LIT);
    else if (!is_op(a, 0, "::") && !is_op(a, 0, "\\")
             && (name.len <= 64 || memchr_lower(name.text, name.len))) {
        /* An undefined constant is its own name as a string (PHP 5 and 7):
         * obfuscators write 'x'^ABC, and base64_decode(ZXZhbCgk...) unquoted. */
        set_const(out, apr_pstrmemdup(a->p, name.text, name.len), name.len, V_LIT);
    }
}

/* $GLOBALS[K] (the "[" is current): the global variable K. */
static void globals_index(an_t *a, int line, pval_t *out)
{
    pval_t k;

    advance(a);
    expr(a, 1, &k);
    take(a, "]");
    unknown(out);
    if (k.c.s) {
        scope_t *saved = a->scope;
        a->scope = a->global;
        read_var(a, k.c.s, k.c.n, line, out);
        a->scope = saved;
        if (k.flags & V_OBF) out->flags |= k.flags & (V_OBF | V_STRONG);
    }
}

/* 0 when the token taken last is one a value cannot follow in PHP: a
 * variable, a literal, "]", or a word that is no keyword (it would be a
 * constant, and two values in a row do not parse).  The parser itself is
 * tolerant and would start a new expression there; a caller that must not
 * read prose as code asks first.  Only the last token's bounds are kept
 * (advance() is the hottest path): its first byte tells its kind, as the
 * lexer decided it. */
static int value_may_follow(const an_t *a)
{
    sg_tok_t t;
    unsigned char c;

    if (!a->prev_text || a->prev_end <= a->prev_text) return 1;
    memset(&t, 0, sizeof(t));
    t.text = a->prev_text;
    t.len = (apr_size_t)(a->prev_end - a->prev_text);
    c = (unsigned char)t.text[0];
    if (c == '$' && t.len > 1) return 0;                            /* $var */
    if (apr_isdigit(c) || c == '\'' || c == '"' || c == '`') return 0;  /* literal */
    if (c == 'b' && t.len > 1 && (t.text[1] == '\'' || t.text[1] == '"')) return 0;
    if (t.len > 3 && !memcmp(t.text, "<<<", 3)) return 0;           /* heredoc */
    if (c == ']' && t.len == 1) return 0;
    if (!(apr_isalpha(c) || c == '_' || c >= 0x80 || c == '\\')) return 1;  /* an operator */
    t.kind = SG_TK_NAME;
    if (kw_of(&t) != K_NONE) return 1;
    return (t.len == 2 && !strncasecmp(t.text, "or", 2))
           || (t.len == 3 && (!strncasecmp(t.text, "and", 3) || !strncasecmp(t.text, "xor", 3)));
}

/* A primary expression; returns 0 when the current token starts none (and
 * nothing was read). */
static int primary(an_t *a, pval_t *out)
{
    sg_tok_t *t = peek(a, 0);
    int line = (int)t->line;

    unknown(out);
    switch (t->kind) {
    case SG_TK_VAR:
        if (t->len == 5 && !memcmp(t->text, "$this", 5)) {
            advance(a);
            out->flags = V_THIS;
            return 1;
        }
        if (t->len == 8 && !memcmp(t->text, "$GLOBALS", 8) && is_op(a, 1, "[")) {
            advance(a);
            globals_index(a, line, out);
            return 1;
        }
        read_var(a, t->text + 1, t->len - 1, line, out);
        advance(a);
        return 1;
    case SG_TK_NAME:
        name_primary(a, out);
        return 1;
    case SG_TK_NUM: case SG_TK_SQ: case SG_TK_DQ: case SG_TK_HEREDOC: case SG_TK_NOWDOC:
        literal(a, t, out);
        advance(a);
        return 1;
    case SG_TK_BACKTICK:
        if (!value_may_follow(a)) {
            /* prose quoting code (a README's `$_GET['x']`): PHP would
             * not compile it */
            advance(a);
            return 1;
        }
        interp(a, t, out);
        cap(a, SG_CAP_EXEC, line);
        sink(a, SK_EXEC, "backticks", out, line);
        exec_written(a, "backticks", t->text, t->len, line);
        advance(a);
        unknown(out);
        return 1;
    case SG_TK_CAST: {
        /* (int), (bool), (float), (double), (real) leave no data to run */
        const char *w = t->text + 1;
        int clean;
        while (*w == ' ' || *w == '\t') w++;
        clean = strchr("ibfdrIBFDR", *w) != NULL;
        advance(a);
        expr(a, 20, out);
        if (clean) { out->taint = 0; out->org = NULL; }
        out->lv = LV_NONE;
        return 1;
    }
    case SG_TK_OP:
        break;
    default:
        return 0;
    }
    if (TOK_IS(t, "(")) {
        advance(a);
        expr(a, 1, out);
        take(a, ")");
        out->lv = out->lv == LV_LIST || out->lv == LV_PROP ? out->lv : LV_NONE;
        return 1;
    }
    if (TOK_IS(t, "[")) {
        advance(a);
        array_lit(a, SG_OP("]"), out);
        if (is_op(a, 0, "=")) out->lv = LV_LIST;
        return 1;
    }
    if (TOK_IS(t, "$")) {
        pval_t n;
        advance(a);
        if (take(a, "{")) { expr(a, 1, &n); take(a, "}"); }
        else if (!primary(a, &n)) return 1;
        if (n.c.s && n.c.n == 7 && !memcmp(n.c.s, "GLOBALS", 7) && is_op(a, 0, "[")) {
            globals_index(a, line, out);
        }
        else if (n.c.s) {
            read_var(a, n.c.s, n.c.n, line, out);
            if (n.flags & V_OBF) out->flags |= n.flags & (V_OBF | V_STRONG);
        }
        else if (n.taint & T_SRC) {
            out->taint = n.taint;
            out->org = n.org;
            out->flags |= V_VARVAR;
        }
        else if (n.arr && names_superglobal(n.arr)) {
            /* foreach (array('_GET', '_POST') as $s) ... $$s */
            out->taint = T_REQ;
            out->org = step(a, NULL, "$$(superglobal name)", line);
            a->request_read = 1;
            cap(a, SG_CAP_REQUEST, line);
        }
        else if (n.arr) {
            /* $$n with $n over a constant list of names: assigned, it sets
             * those variables (see assign()) */
            out->flags |= V_VARVAR;
            out->names = n.arr;
        }
        else if (n.flags & V_USCORE) {
            /* ${'_' . $x}: the superglobals are the variables named "_..." */
            out->taint = T_REQ;
            out->org = step(a, NULL, "${'_'...}", line);
            a->request_read = 1;
            cap(a, SG_CAP_REQUEST, line);
        }
        return 1;
    }
    if (TOK_IS(t, "!") || TOK_IS(t, "~") || TOK_IS(t, "-") || TOK_IS(t, "+")
        || TOK_IS(t, "@") || TOK_IS(t, "&") || TOK_IS(t, "++")
        || TOK_IS(t, "--")) {
        char op = t->text[0];
        int two = t->len == 2;
        advance(a);
        expr(a, op == '@' || op == '&' ? 20 : 18, out);
        if (op == '~' && out->c.s) {
            sg_php_str_t r;
            if (sg_php_fold_op("~", 1, &out->c, NULL, a->budget, a->p, &r)) {
                set_const(out, r.s, r.n, V_OBF | V_STRONG);
            }
        }
        else if (op == '-' && !two && out->c.s) {
            set_const(out, apr_psprintf(a->p, "%" APR_INT64_T_FMT, (apr_int64_t)(0ULL - (apr_uint64_t)apr_atoi64(out->c.s))), 0, V_LIT);
            out->c.n = strlen(out->c.s);
        }
        else if (op == '!') { out->c.s = NULL; out->taint = 0; }
        else if (two) incdec(a, out, op == '+', 1);
        if (op != '@' && op != '&') out->lv = LV_NONE;
        return 1;
    }
    return 0;
}

static int is_num_str(const sg_php_str_t *c)
{
    apr_size_t i;

    for (i = 0; i < c->n; i++) {
        if (!apr_isdigit(c->s[i]) && !(i == 0 && c->s[i] == '-')) return 0;
    }
    return c->n > 0;
}

/* A chain of '.' folds in one expr() loop ('a' . 'b' . 'c' ...): each step
 * appends to one growing buffer instead of copying the whole prefix again,
 * so K pieces cost O(total) bytes and copying, not O(K * total) (a Zend
 * hostname table of 1,500 pieces took 36 MB).  Only the loop's running
 * value lives in the buffer, and nothing else holds it until the loop ends
 * (expr() resets the chain on every other branch), so appending past its
 * end changes no value anyone can see. */
typedef struct cat_t {
    char *buf;                         /* the running value's bytes, or NULL */
    apr_size_t len, cap;               /* its length; bytes allocated */
} cat_t;

/* L . R into *RES as sg_php_fold_op folds it (same limit, same bytes),
 * appending in CAT's buffer when L is its running value. */
static int fold_cat(an_t *a, cat_t *cat, const sg_php_str_t *l, const sg_php_str_t *r,
                    apr_size_t max, sg_php_str_t *res)
{
    apr_size_t need = l->n + r->n;

    if (need > max) return 0;
    if (cat->buf != l->s || cat->len != l->n || need + 1 > cat->cap) {
        /* The first fold of a chain is allocated exactly, as before; a
         * chain that goes on doubles, up to the limit. */
        apr_size_t cap = cat->buf == l->s && cat->len == l->n ? 2 * need + 1 : need + 1;
        char *b = apr_palloc(a->p, cap > max + 1 ? max + 1 : cap);
        memcpy(b, l->s, l->n);
        cat->buf = b;
        cat->cap = cap > max + 1 ? max + 1 : cap;
    }
    memcpy(cat->buf + l->n, r->s, r->n);
    cat->buf[need] = '\0';
    cat->len = need;
    res->s = cat->buf;
    res->n = need;
    return 1;
}

/* < > <= >= between two values (not <<, >>, <=>). */
static int is_relational(const sg_tok_t *op)
{
    return (op->len == 1 && (op->text[0] == '<' || op->text[0] == '>'))
           || (op->len == 2 && (op->text[0] == '<' || op->text[0] == '>') && op->text[1] == '=');
}

/* PHP's comparison of two constants: numerically when both are numeric
 * strings, else byte by byte (PHP 8). */
static int relational(const sg_tok_t *op, const sg_php_str_t *x, const sg_php_str_t *y)
{
    int c;

    if (is_num_str(x) && is_num_str(y)) {
        apr_int64_t u = apr_atoi64(x->s), v = apr_atoi64(y->s);
        c = u < v ? -1 : u > v;
    }
    else {
        apr_size_t n = x->n < y->n ? x->n : y->n;
        c = memcmp(x->s, y->s, n);
        if (!c) c = x->n < y->n ? -1 : x->n > y->n;
    }
    if (op->text[0] == '<') return op->len == 2 ? c <= 0 : c < 0;
    return op->len == 2 ? c >= 0 : c > 0;
}

static void set_const_bool(pval_t *v, int yes)
{
    set_const(v, yes ? "1" : "", yes ? 1 : 0, V_OBF);
}

/* L OP R folded, when it can be: CAT (NULL: none) is the expr() loop's
 * chain of '.' folds. */
static int fold_binary(an_t *a, const sg_tok_t *op, cat_t *cat, const pval_t *l,
                       const pval_t *r, sg_php_str_t *res)
{
    apr_size_t max = a->budget < MAX_CONST ? a->budget : MAX_CONST;

    if (cat && op->len == 1 && op->text[0] == '.') return fold_cat(a, cat, &l->c, &r->c, max, res);
    return sg_php_fold_op(op->text, op->len, &l->c, &r->c, max, a->p, res);
}

static void binary_op(an_t *a, const sg_tok_t *op, pval_t *l, const pval_t *r, cat_t *cat);
static int is_php_path(const pval_t *v);

/* L OP R into L.  A concatenation whose result is unknown but ends with a
 * constant PHP file name keeps that fact (V_PHPNAME): where it is written
 * runs as code. */
static void binary(an_t *a, const sg_tok_t *op, pval_t *l, const pval_t *r, cat_t *cat)
{
    int cat_op = op->op == SG_OP("."), php = cat_op && is_php_path(r);

    binary_op(a, op, l, r, cat);
    if (!cat_op || l->c.s) return;
    if (r->c.s && r->c.n) l->flags |= V_FIXEDTAIL;
    else l->flags &= ~V_FIXEDTAIL;
    if (php) l->flags |= V_PHPNAME;
    else l->flags &= ~V_PHPNAME;
}

static void binary_op(an_t *a, const sg_tok_t *op, pval_t *l, const pval_t *r, cat_t *cat)
{
    sg_php_str_t res;
    int dec = l->dec > r->dec ? l->dec : r->dec;
    unsigned fl = (l->flags | r->flags) & (V_OBF | V_STRONG);

    /* parameters bound to constants (a body read again by inline_call)
     * fold too, and keep their parameter bits for the summary */
    unsigned params = (l->taint | r->taint) & ~(T_SRC | T_UNSET);
    pval_t word;

    /* an array in a string is the word "Array" ($_ = [] . ''; $_[0] is 'A') */
    if (op->op == SG_OP(".") && !r->c.s && r->arr && !r->taint) {
        set_const(&word, "Array", 5, V_OBF);
        r = &word;
    }
    if (op->op == SG_OP(".") && !l->c.s && l->arr && !l->taint) set_const(l, "Array", 5, V_OBF);
    if (op->op == SG_OP(".") && (l->flags & V_UNDEF) && !l->c.s && !l->taint && r->c.s) {
        set_const(l, "", 0, 0);
    }

    if (l->c.s && r->c.s && !((l->taint | r->taint) & (T_SRC | T_UNSET))
        && fold_binary(a, op, cat, l, r, &res)) {
        fl |= V_OBF;
        if (op->len == 1 && strchr("^|&", op->text[0]) && !is_num_str(&l->c)) fl |= V_STRONG;
        {
            /* a chain 'a' . 'b' . ... grows one buffer (fold_cat): only
             * the bytes appended are new, or a long chain would be charged
             * the square of its length */
            apr_size_t cost = cat && op->op == SG_OP(".") ? r->c.n : res.n;
            a->budget -= cost < a->budget ? cost : a->budget;
        }
        set_const(l, res.s, res.n, fl);
        l->taint = params;
        if ((fl & V_STRONG) && op->op != SG_OP(".")) keep_string(a, res.s, res.n);
        l->dec = dec;
        return;
    }
    if ((op->len == 2 && (!memcmp(op->text, "==", 2) || !memcmp(op->text, "!=", 2)))
        || (op->len == 3 && (!memcmp(op->text, "===", 3) || !memcmp(op->text, "!==", 3)))) {
        const pval_t *h = (l->flags & V_HASH) ? r : (r->flags & V_HASH) ? l : NULL;
        if (h && h->c.s && (h->c.n == 32 || h->c.n == 40 || h->c.n == 64)) cap(a, SG_CAP_PWGATE, (int)op->line);
        if (l->c.s && r->c.s && !((l->taint | r->taint) & (T_SRC | T_UNSET))) {
            /* '!' == '@' is false: an index of 0 written without a digit */
            int same = l->c.n == r->c.n && !memcmp(l->c.s, r->c.s, l->c.n);
            if (op->len == 2 && is_num_str(&l->c) && is_num_str(&r->c)) {
                same = apr_atoi64(l->c.s) == apr_atoi64(r->c.s);
            }
            if (op->text[0] == '!') same = !same;
            set_const(l, same ? "1" : "", same ? 1 : 0, V_OBF);
            return;
        }
        unknown(l);
        return;
    }
    if (is_relational(op) && l->c.s && r->c.s && !((l->taint | r->taint) & (T_SRC | T_UNSET))) {
        /* ('>' > '<') + ('>' > '<') is 2: numbers built without a digit */
        set_const_bool(l, relational(op, &l->c, &r->c));
        return;
    }
    if (op->op == SG_OP(".") && !(l->taint & ~T_UNSET) && (r->taint & ~T_UNSET)) {
        /* "" . $x fixes nothing */
        int fixed = !(l->c.s && l->c.n == 0), url = url_const(&l->c) || (l->flags & V_URL);
        merge(l, r);
        if (fixed) l->flags |= V_FIXEDHEAD;
        if (url) l->flags |= V_URL;
        return;
    }
    if (op->op == SG_OP(".") && (url_const(&l->c) || (l->flags & V_URL)) && !r->c.s) {
        merge(l, r);
        l->c.s = NULL;
        l->flags |= V_URL;
        return;
    }
    if (op->op == SG_OP(".") && (l->taint & ~T_UNSET)) {
        unsigned head = l->flags & V_FIXEDHEAD;
        merge(l, r);
        l->flags = (l->flags & ~V_FIXEDHEAD) | head;
        return;
    }
    if (op->len == 1 && strchr("^|&", op->text[0])
        && ((l->c.s && !is_num_str(&l->c)) || (r->c.s && !is_num_str(&r->c)))) {
        /* a string operator on an unknown and a constant: a name in hiding */
        merge(l, r);
        l->flags |= V_OBF | V_STRONG;
        return;
    }
    if (op->op == SG_OP(".") && ((l->c.s && l->c.n && l->c.s[0] == '_') || (l->flags & V_USCORE))) {
        merge(l, r);
        l->c.s = NULL;
        l->flags |= V_USCORE;
        return;
    }
    merge(l, r);
    if (op->len == 1 && strchr("<>", op->text[0])) { l->taint = 0; l->org = NULL; }
}

static void ternary(an_t *a, pval_t *cond)
{
    pval_t t, f;

    if (take(a, ":")) {              /* ?: */
        expr(a, 6, &f);
        merge(cond, &f);
        return;
    }
    expr(a, 4, &t);
    take(a, ":");
    expr(a, 5, &f);
    *cond = t;
    merge(cond, &f);
}

static void expr(an_t *a, int minprec, pval_t *out)
{
    int line = (int)peek(a, 0)->line;
    cat_t cat = { NULL, 0, 0 };

    if (!enter(a)) {
        unknown(out);
        if (!at_end(a)) advance(a);
        return;
    }
    if (!primary(a, out)) {
        a->depth--;
        return;
    }
    postfix(a, out, line);
    for (;;) {
        sg_tok_t op = *peek(a, 0);
        int right, prec = prec_of(a, &op, &right);
        pval_t r;
        /* an assignment binds to the variable before it whatever the
         * operator before that: $ok && $_SESSION['c'] = $x, !$f = fopen(..) */
        if (!prec || (prec < minprec && !(prec == 4 && out->lv != LV_NONE)) || a->stop) break;
        advance(a);
        if (prec != 4 && prec != 5 && prec != 18) {
            expr(a, right ? prec : prec + 1, &r);
            binary(a, &op, out, &r, &cat);
            out->lv = LV_NONE;
            continue;
        }
        cat.buf = NULL;   /* OUT may be stored from here on: no more appending */
        if (prec == 4) {
            int mark = a->nreads;
            expr(a, 4, &r);
            /* "$cmd = 'ls'" after "$cmd = $_POST['c']" is most often a
             * default in a branch: the request data stays.  Only a value made
             * from the variable itself ($cmd = escapeshellarg($cmd)) replaces it.
             * At the top of the file only (register_globals scripts): in a
             * method, the variable is reused more often than defaulted. */
            if (op.op == SG_OP("=") && out->lv == LV_VAR && out->lvname && !a->fn
                && (out->taint & (T_SRC | T_UNSET)) && !(r.taint & T_SRC)
                && !read_since(a, mark, out->lvname, out->lvlen)) {
                r.taint |= out->taint & (T_SRC | T_UNSET);
                r.org = out->org;
                r.flags |= out->flags & (V_TMPNAME | V_FIXEDHEAD);
            }
            a->nreads = mark;
            if (op.len == 2 && op.text[0] == '.' && (out->flags & V_UNDEF) && !out->c.s
                && !out->taint && r.c.s) {
                pval_t fresh;                      /* $n .= 'bas' on a new $n */
                set_const(&fresh, "", 0, 0);
                fresh.lv = out->lv;
                fresh.lvname = out->lvname;
                fresh.lvlen = out->lvlen;
                *out = fresh;
            }
            if (op.len == 2 && op.text[0] == '.' && out->c.s && r.c.s) {
                pval_t l = *out;
                {
                    sg_tok_t dot = op;
                    dot.text = ".";
                    dot.len = 1;
                    dot.op = SG_OP(".");
                    binary(a, &dot, &l, &r, NULL);
                }
                l.lv = out->lv; l.lvname = out->lvname; l.lvlen = out->lvlen;
                r = l;
            }
            else if (op.len >= 2) {
                pval_t m = *out;
                merge(&m, &r);
                r = m;
            }
            if (out->lv == LV_LIST) {
                /* list($a, $b) = ... : no names kept; taint lost on purpose */
            }
            assign(a, out, &r, (int)op.line);
            *out = r;
            out->lv = LV_NONE;
            continue;
        }
        if (prec == 5) { ternary(a, out); continue; }
        /* prec 18: instanceof */
        expr(a, 19, &r);
        unknown(out);
    }
    a->depth--;
}

/* ---------------------------------------------------------------- statements */

static void paren_expr(an_t *a)
{
    pval_t v;

    if (!take(a, "(")) return;
    while (!at_end(a) && !is_op(a, 0, ")")) {
        expr(a, 1, &v);
        if (!take(a, ",") && !take(a, ";") && !is_op(a, 0, ")")) advance(a);
    }
    take(a, ")");
}

/* Skips blanks from P (at most to END). */
static const char *skip_blank(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

/* "if (!isset($name))" at the top of the file, before the file set $name: a
 * register_globals script giving a request parameter its default.  $name
 * holds "a global this file never sets" (T_UNSET) from here, and the default
 * assigned in the branch keeps it (see expr()): system($shell) after
 * "if (!isset($shell)) $shell = '#ls';" runs whatever the request said. */
static void isset_default(an_t *a)
{
    const sg_tok_t *t = peek(a, 0);
    const char *p = t->text, *end = a->lx.buf + a->lx.len, *name;
    apr_size_t n;
    int session;
    pval_t v;

    if (a->fn || a->scope != a->global || a->pass != 1 || a->code || !is_op(a, 0, "(")) return;
    p = skip_blank(p + 1, end);
    if (p >= end || *p != '!') return;
    p = skip_blank(p + 1, end);
    if ((apr_size_t)(end - p) < 6 || strncasecmp(p, "isset", 5)) return;
    p = skip_blank(p + 5, end);
    if (p >= end || *p != '(') return;
    p = skip_blank(p + 1, end);
    if (p >= end || *p != '$') return;
    name = ++p;
    while (p < end && (apr_isalnum(*p) || *p == '_' || (unsigned char)*p >= 0x80)) p++;
    n = (apr_size_t)(p - name);
    p = skip_blank(p, end);
    if (n == 0 || n > 64 || p >= end || *p != ')') return;
    p = skip_blank(p + 1, end);
    if (p >= end || *p != ')') return;
    if (is_superglobal(name, n, &session) || session || var_get(a, name, n)
        || (n == 4 && !memcmp(name, "this", 4))) {
        return;
    }
    unknown(&v);
    v.taint = T_UNSET;
    v.org = step(a, NULL, apr_pstrcat(a->p, "$", apr_pstrmemdup(a->p, name, n), " (unless set)",
                                      NULL), (int)t->line);
    var_set(a, a->scope, name, n, &v);
}

/* foreach (EXPR as [$k =>] [&]$v) */
static void foreach_head(an_t *a)
{
    pval_t src, k;

    if (!take(a, "(")) return;
    expr(a, 1, &src);
    if (is_name(a, 0, "as")) {
        advance(a);
        take(a, "&");
        expr(a, 5, &k);
        if (take(a, "=>")) {
            pval_t v;
            take(a, "&");
            expr(a, 5, &v);
            assign(a, &k, &src, (int)peek(a, 0)->line);
            assign(a, &v, &src, (int)peek(a, 0)->line);
        }
        else {
            assign(a, &k, &src, (int)peek(a, 0)->line);
        }
    }
    while (!at_end(a) && !is_op(a, 0, ")")) advance(a);
    take(a, ")");
}

static void return_stmt(an_t *a)
{
    pval_t v;

    advance(a);
    if (is_op(a, 0, ";")) return;
    expr(a, 1, &v);
    if (!a->fn) return;
    a->fn->ret_params |= v.taint & ~T_SRC;
    a->fn->ret_taint |= v.taint & T_SRC;
    if (v.c.s && !a->fn->ret_const.s) {
        a->fn->ret_const = v.c;
        a->fn->ret_flags = v.flags;
        a->fn->ret_dec = v.dec;
    }
}

static void class_def(an_t *a)
{
    const char *name = NULL;
    int saved = a->class_body;

    advance(a);
    if (peek(a, 0)->kind == SG_TK_NAME) {
        name = name_of(a, peek(a, 0));
        advance(a);
    }
    while (!at_end(a) && !is_op(a, 0, "{") && !is_op(a, 0, ";")) advance(a);
    if (!take(a, "{")) return;
    a->class_body = 1;
    while (!at_end(a) && !a->stop) {
        if (take(a, "}")) break;
        if (is_name(a, 0, "function")) { function_def(a, name); continue; }
        if (is_name(a, 0, "use") || is_name(a, 0, "case")) {
            while (!at_end(a) && !is_op(a, 0, ";") && !is_op(a, 0, "}")) {
                if (is_op(a, 0, "{")) skip_group(a); else advance(a);
            }
            take(a, ";");
            continue;
        }
        statement(a);
    }
    a->class_body = saved;
}

static void global_stmt(an_t *a)
{
    advance(a);
    while (peek(a, 0)->kind == SG_TK_VAR) {
        sg_tok_t *t = peek(a, 0);
        pval_t *g = apr_hash_get(a->global->vars, t->text + 1, (apr_ssize_t)t->len - 1);
        if (g && a->scope != a->global) var_set(a, a->scope, t->text + 1, t->len - 1, g);
        if (a->scope != a->global) {
            if (!a->scope->globals) a->scope->globals = apr_hash_make(a->p);
            apr_hash_set(a->scope->globals, t->text + 1, (apr_ssize_t)t->len - 1, "");
        }
        advance(a);
        if (!take(a, ",")) break;
    }
}

/* echo A, B; while an ob_start() callback is installed: request data echoed
 * reaches the callback as its buffer parameter (ob_start(function ($b) {
 * global $s; $s = $b; }); echo $_POST['p']; ... assert($s)). */
static void echo_through_ob(an_t *a)
{
    do {
        int line = (int)peek(a, 0)->line;
        pval_t v;
        expr(a, 1, &v);
        if (v.taint & T_SRC) {
            args_t feed;
            memset(&feed, 0, sizeof(feed));
            feed.v[0] = v;
            feed.v[1] = a->ob_cb;
            feed.n = 2;
            feed.all = v;
            callback(a, "ob_start", &feed, 1, line);
        }
    } while (take(a, ",") && !a->stop);
}

/* A statement that starts with keyword KW; 0 when it is an expression. */
static void loop_body(an_t *a);

static int keyword_stmt(an_t *a, int kw)
{
    pval_t v;

    switch (kw) {
    case K_FUNCTION:
        if (peek(a, 1)->kind != SG_TK_NAME && !is_op(a, 1, "&")) return 0;
        function_def(a, NULL);
        return 1;
    case K_CLASS:
        if (peek(a, 1)->kind != SG_TK_NAME) return 0;
        class_def(a);
        return 1;
    case K_STATIC:
        if (is_name(a, 1, "function") && (peek(a, 2)->kind == SG_TK_NAME || is_op(a, 2, "&"))) {
            /* "public static function f($x)": a method like any other (read
             * as an expression, its body was top-level code and its
             * parameters looked like globals nobody set) */
            advance(a);
            function_def(a, NULL);
            return 1;
        }
        if (peek(a, 1)->kind != SG_TK_VAR) return 0;
        advance(a);
        return 1;
    case K_CONST:
        if (a->class_body) return 0;
        advance(a);
        return 1;
    case K_MODIFIER: case K_SKIP:
        advance(a);
        return 1;
    case K_PAREN:
        advance(a);
        isset_default(a);
        paren_expr(a);
        return 1;
    case K_LOOP:
        advance(a);
        a->loop++;                     /* the condition and step run each time */
        paren_expr(a);
        a->loop--;
        loop_body(a);
        return 1;
    case K_DO:
        advance(a);
        loop_body(a);
        return 1;
    case K_FOREACH:
        advance(a);
        foreach_head(a);
        loop_body(a);
        return 1;
    case K_RETURN:
        return_stmt(a);
        return 1;
    case K_ECHO:
        advance(a);
        if (!a->ob_set) return 0;      /* the expressions follow */
        echo_through_ob(a);
        return 1;
    case K_USE:
        if (a->fn) return 0;
        /* fall through */
    case K_NAMESPACE:
        while (!at_end(a) && !is_op(a, 0, ";") && !is_op(a, 0, "{")) advance(a);
        take(a, ";");
        return 1;
    case K_GLOBAL:
        global_stmt(a);
        return 1;
    case K_HALT:
        a->stop = 1;
        return 1;
    case K_CASE:
        advance(a);
        expr(a, 1, &v);
        return 1;
    }
    return 0;
}

static void statement_body(an_t *a);

/* The statement a loop head governs, read with a->loop up: its first
 * reading is not its only run, so what a variable holds there is not
 * what its first assignment made ("while (...):" bodies end at a word
 * the pass does not track: V_UNDEF stays off for the rest of the file). */
static void loop_body(an_t *a)
{
    if (is_op(a, 0, ":")) {
        a->alt_loop = 1;
        return;
    }
    if (is_op(a, 0, ";") || at_end(a)) return;
    a->loop++;
    statement(a);
    a->loop--;
}

/* One statement.  The variables it read are forgotten at its end: without
 * that, reads outside assignments (isset($x), f($y)) piled up until
 * read_since() said "read" of every name, and the "default in a branch"
 * rule in expr() stopped working eight reads into a file. */
static void statement(an_t *a)
{
    int reads = a->nreads;

    statement_body(a);
    a->nreads = reads;
}

static void statement_body(an_t *a)
{
    sg_tok_t *t = peek(a, 0);
    pval_t v;

    if (t->kind == SG_TK_NAME && keyword_stmt(a, kw_of(t))) return;
    if (is_op(a, 0, "{")) {
        advance(a);
        if (enter(a)) { block(a); a->depth--; }
        return;
    }
    {
        const char *before = t->text;
        apr_size_t left = a->lx.pos;
        expr(a, 1, &v);
        if (peek(a, 0)->text == before && a->lx.pos == left && !at_end(a)) advance(a);
    }
}

/* Statements up to the "}" that closes the block (or the end). */
static void block(an_t *a)
{
    while (!at_end(a) && !a->stop) {
        if (take(a, "}")) return;
        statement(a);
    }
}

/* The whole input at top level: stray "}" do not end it. */
static void top(an_t *a)
{
    while (!at_end(a) && !a->stop) {
        if (take(a, "}")) continue;
        statement(a);
    }
}

/* ---------------------------------------------------------------- results */

static void caps_facts(an_t *a)
{

    /* The capabilities a web shell offers; file listing counts with editing. */
    static const unsigned shell = SG_CAP_EXEC | SG_CAP_EVAL | SG_CAP_UPLOAD | SG_CAP_DB
                                | SG_CAP_SOCKET | SG_CAP_MAIL | SG_CAP_SELFDEL | SG_CAP_PWGATE
                                | SG_CAP_RECON | SG_CAP_TIMESTOMP | SG_CAP_SYMLINK | SG_CAP_CHMOD
                                | SG_CAP_READANY | SG_CAP_BROWSE;
    unsigned c = a->out->caps, bits;
    const char *list = "";
    int i, score = 0;

    if (!c) return;
    for (i = 0; i < SG_CAP_COUNT; i++) {
        if (c & (1u << i)) list = apr_pstrcat(a->p, list, " ", cap_names[i], NULL);
    }
    fact(a, apr_pstrcat(a->p, "caps", list, NULL));
    if (a->request_read) {
        for (bits = c & shell; bits; bits &= bits - 1) score++;
        if ((c & SG_CAP_FILELIST) && (c & SG_CAP_FILEEDIT)) score++;
    }
    fact(a, apr_psprintf(a->p, "capscore %d", score));
    if (a->request_read && (c & SG_CAP_SELFDEL)) {
        /* a request-driven tool that can delete itself: the "remove shell"
         * button of web shells; rules weigh it with the score */
        fact(a, apr_psprintf(a->p, "selfdel capscore=%d", score));
    }
    if (a->code && (c & ~(SG_CAP_REQUEST | SG_CAP_STEALTH | SG_CAP_EVAL))) {
        /* what code that was a constant string (eval'd, often packed) does */
        fact(a, apr_pstrcat(a->p, "evalcaps", list, NULL));
    }
}

static void not_code(an_t *a)
{
    a->out->lines->nelts = 0;
    a->out->payloads->nelts = 0;
    a->out->caps = 0;
    fact(a, apr_psprintf(a->p, "notcode junk=%lu line=%" APR_SIZE_T_FMT, a->junk, a->junk_line));
}

static void run_pass(an_t *a, const char *buf, apr_size_t len, int code)
{
    scope_t *g = apr_pcalloc(a->p, sizeof(*g));

    g->vars = apr_hash_make(a->p);
    a->scope = a->global = g;
    a->nla = 0;
    a->depth = 0;
    a->arr_off = 0;
    a->fn = NULL;
    a->class_body = 0;
    a->unresolved = 0;
    a->props = apr_hash_make(a->p);
    a->prop_sinks = apr_hash_make(a->p);
    a->consts = apr_hash_make(a->p);
    a->written = apr_hash_make(a->p);
    a->nwfiles = a->nwopen = 0;
    a->loop = a->alt_loop = 0;
    a->shell_pipes = NULL;
    a->prev_text = NULL;
    /* The session outlives the request: what one request stores there the
     * next one reads, wherever the store is in the file.  Pass 2 starts
     * with everything pass 1 saw stored. */
    if (a->pass == 1) unknown(&a->session);
    if (code) sg_php_lex_init_code(&a->lx, buf, len);
    else sg_php_lex_init(&a->lx, buf, len);
    top(a);
    /* the lexer of the whole text (bodies read again restored it) */
    a->junk = a->lx.junk;
    a->junk_line = a->lx.junk_line;
}

apr_status_t sg_php_analyse(const char *buf, apr_size_t len, int code,
                            const sg_php_limits_t *lim, apr_pool_t *p, sg_php_facts_t *out)
{
    an_t a;

    sg_php_init();
    memset(&a, 0, sizeof(a));
    memset(out, 0, sizeof(*out));
    out->lines = apr_array_make(p, 8, sizeof(const char *));
    out->payloads = apr_array_make(p, 2, sizeof(sg_php_payload_t));
    a.p = p;
    a.lim = lim;
    a.budget = lim && lim->max_bytes ? lim->max_bytes : 8 * 1024 * 1024;
    a.funcs = apr_hash_make(p);
    a.seen = apr_hash_make(p);
    a.early = apr_hash_make(p);
    a.out = out;
    a.pass = 1;
    a.code = code;
    run_pass(&a, buf, len, code);
    if ((a.unresolved || (a.late_sink && a.unres_sink) || (a.late_params && a.src_to_user)
         || (a.session_read_clean && (a.session.taint & T_SRC)))
        && !a.stop) {
        /* A function was called before its body was read: read again with
         * every summary known (facts already said are not repeated). */
        a.pass = 2;
        run_pass(&a, buf, len, code);
    }
    /* the file's string literals, gathered in pass 1; one over MAX_PAYLOADS
     * at most */
    if (a.strs_len > 0) {
        sg_php_payload_t *pl = apr_array_push(out->payloads);
        pl->buf = a.strs;
        pl->len = a.strs_len;
        pl->line = 1;
        pl->sink = NULL;
    }
    objinject_fact(&a);
    caps_facts(&a);
    wp_admin_fact(&a);
    if (a.junk >= JUNK_NOT_CODE) not_code(&a);
    return a.stop && out->stopped ? APR_TIMEUP : APR_SUCCESS;
}

const char *sg_php_facts_text(const sg_php_facts_t *f, apr_size_t *len, apr_pool_t *p)
{
    apr_size_t total = 0, n = 0;
    char *o;
    int i;

    for (i = 0; i < f->lines->nelts; i++) total += strlen(APR_ARRAY_IDX(f->lines, i, const char *)) + 1;
    o = apr_palloc(p, total + 1);
    for (i = 0; i < f->lines->nelts; i++) {
        const char *l = APR_ARRAY_IDX(f->lines, i, const char *);
        apr_size_t k = strlen(l);
        memcpy(o + n, l, k);
        n += k;
        o[n++] = '\n';
    }
    o[n] = '\0';
    *len = n;
    return o;
}
