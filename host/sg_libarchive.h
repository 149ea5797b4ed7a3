#ifndef SG_LIBARCHIVE_H
#define SG_LIBARCHIVE_H
/*
 * libarchive (and zlib) behind the core's archive reader (sg_archive.h).  Host code,
 * not core: both hosts (the spamgear tool and mod_spamgear) link it, and the
 * core only sees the sg_archive_reader_t it returns.
 *
 * Formats read: zip, tar (ustar, pax, gnu), cpio, 7-Zip; filters gzip,
 * bzip2, xz; a file that is only compressed (x.php.gz) is one member (named
 * as its gzip header says, else "data").  PHP's native phar format, which
 * libarchive does not know, is read here (members stored, gzip through
 * zlib, bzip2 through libarchive's raw reader).  Encrypted members and data
 * that does not decode come back as errors (the engine reports them as
 * Archive.Unreadable).
 */
#include "sg_archive.h"

/* The reader; static, valid for the life of the process. */
const sg_archive_reader_t *sg_libarchive_reader(void);

#endif /* SG_LIBARCHIVE_H */
