#ifndef SG_MEDIA_H
#define SG_MEDIA_H
/*
 * Images, audio, video and documents that carry PHP code ("polyglots": a
 * GIF header, then <?php ...).  Such a file is never a legitimate upload:
 * it exists to be included or run by a PHP that trusts what was uploaded.
 *
 * A file is media when its name's extension says so (jpg, png, gif, pdf,
 * docx, mp4...) or its first bytes are an image, audio, video or document
 * signature (GIF8, \x89PNG, \xFF\xD8\xFF, %PDF-, ID3, RIFF....WEBP, ftyp,
 * the OLE2 header...).  Zip archives are not media by their bytes (a docx
 * is one by its name); text formats (txt, csv, rtf, html) are never media.
 * "PHP code" is what sg_php_find_open_tag() finds: <?php, <?= or a short
 * tag followed by code; "<?xml" and XMP's "<?xpacket ...?>" are not code.
 */
#include <apr.h>

/* The finding of a media file with PHP code in it. */
#define SG_MEDIA_CODE_SIGNATURE "PHP.Polyglot.CodeInMedia"

typedef enum {
    SG_MEDIA_NONE = 0,     /* not media (or nothing says so) */
    SG_MEDIA_IMAGE,        /* jpg, png, gif, bmp, ico, webp, tiff, svg, heic, avif */
    SG_MEDIA_AV,           /* audio and video: mp3, wav, ogg, flac, mp4, mov, avi, webm... */
    SG_MEDIA_DOCUMENT      /* pdf, doc, docx, xls, xlsx, ppt, pptx, odt, ods, odp */
} sg_media_kind_t;

/* What file NAME (may be NULL; only its last extension counts) with the
 * first bytes BUF[0..LEN) is.  *HOW (may be NULL) is set to a static
 * string naming what said so ("name .jpg", "magic GIF"); the name is asked
 * first. */
sg_media_kind_t sg_media_kind(const char *name, const char *buf, apr_size_t len,
                              const char **how);

/* The name of KIND: "image", "audio/video", "document" or "not media". */
const char *sg_media_kind_name(sg_media_kind_t kind);

/* When BUF[0..LEN), the file NAME, is media and holds PHP code: its kind,
 * with *AT the offset of the open tag and *HOW as sg_media_kind() sets it;
 * SG_MEDIA_NONE otherwise.  Linear in LEN, no allocation. */
sg_media_kind_t sg_media_php_code(const char *name, const char *buf, apr_size_t len,
                                  apr_size_t *at, const char **how);

#endif /* SG_MEDIA_H */
