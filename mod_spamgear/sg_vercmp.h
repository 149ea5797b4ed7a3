#ifndef SG_VERCMP_H
#define SG_VERCMP_H
/*
 * Version strings as PHP's version_compare() orders them, and CVSS v3.x base
 * scores: what `spamgear sites` needs to tell whether an installed version of
 * a web application falls in a vulnerability's range.  APR only.
 */
#include <apr.h>

#define SG_VERSION_MAX 64   /* longest version string sg_version_ok() accepts */

/* Compares version strings A and B as PHP's version_compare() does: both are
 * cut at '.', '-', '+', '_' and any other non-alphanumeric byte, and between
 * a digit and a non-digit ("1.0rc1" is 1 0 rc 1); numbers compare as numbers
 * (any length: "2.10" > "2.9"), words by rank: dev < alpha = a < beta = b <
 * RC = rc < (a number) < pl = p, an unknown word below dev (prefix matched,
 * as PHP does: "patch" ranks as "p").  When one runs out, a remaining number
 * makes the longer one greater ("1.0.0" > "1.0"), a remaining word is ranked
 * against a number ("1.0rc1" < "1.0" < "1.0pl1").  Returns <0, 0 or >0. */
int sg_vercmp(const char *a, const char *b);

/* 1 when V stands for "from the first version" in a feed's lower bound:
 * "*", "0" or the empty string (OSV's introduced "0", Wordfence's "*"). */
int sg_vercmp_is_origin(const char *v);

/* 1 when V looks like a version: 1 to SG_VERSION_MAX bytes of letters,
 * digits and . - + _ ~, starting with a digit (an optional leading 'v' is
 * accepted: "v1.2"). */
int sg_version_ok(const char *v);

/* The CVSS v3.0/v3.1 base score of VECTOR ("CVSS:3.1/AV:N/AC:L/..."), computed
 * with the FIRST CVSS 3.1 formulas (Roundup to one decimal), in *SCORE.
 * Returns APR_SUCCESS, or APR_EINVAL when VECTOR is not a complete v3 base
 * vector (a metric missing, repeated or with an unknown value). */
apr_status_t sg_cvss3_score(const char *vector, double *score);

/* The qualitative rating of a CVSS score: "none" (0), "low" (0.1-3.9),
 * "medium" (4.0-6.9), "high" (7.0-8.9) or "critical" (9.0-10.0). */
const char *sg_cvss_rating(double score);

#endif /* SG_VERCMP_H */
