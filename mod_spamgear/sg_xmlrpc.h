#ifndef SG_XMLRPC_H
#define SG_XMLRPC_H
/*
 * Counting login attempts in an XML-RPC request body (WordPress xmlrpc.php).
 * Every authenticated XML-RPC method takes a user name and a password, so a
 * call of one is a login attempt; system.multicall packs many calls into one
 * request, and brute-forcers put hundreds in each.  The count works on a
 * prefix of the body (the module peeks at most SpamGearLoginBodyLimit bytes)
 * with no XML parser: a method name is the text of a <methodName> element or
 * the string value of a "methodName" member.
 */
#include <apr.h>

/* Non-zero when NAME[0..LEN) is an authenticated method (wp.*, metaWeblog.*,
 * blogger.*, mt.*, except the few that take no password). */
int sg_xmlrpc_is_login_method(const char *name, apr_size_t len);

/* The number of login calls in BODY[0..LEN): 1 for a plain call of a login
 * method, one per login call inside a system.multicall, 0 for other calls
 * (pingback.ping, system.listMethods).  A body cut short counts what it has. */
int sg_xmlrpc_count_logins(const char *body, apr_size_t len);

#endif /* SG_XMLRPC_H */
