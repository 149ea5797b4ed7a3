/* sg_media.c: is this file an image, audio, video or document, and does it carry PHP? */
#include <string.h>
#include <strings.h>
#include "sg_media.h"
#include "sg_path.h"
#include "sg_php_lex.h"

typedef struct ext_t {
    const char *ext;          /* lower-case extension, no dot */
    sg_media_kind_t kind;     /* what it names */
    const char *how;          /* "name .EXT" */
} ext_t;

#define I(e) { e, SG_MEDIA_IMAGE, "name ." e }
#define A(e) { e, SG_MEDIA_AV, "name ." e }
#define D(e) { e, SG_MEDIA_DOCUMENT, "name ." e }
static const ext_t exts[] = {
    I("jpg"), I("jpeg"), I("jpe"), I("jfif"), I("png"), I("apng"), I("gif"), I("bmp"),
    I("ico"), I("cur"), I("webp"), I("tif"), I("tiff"), I("svg"), I("svgz"), I("heic"),
    I("heif"), I("avif"), I("psd"),
    A("mp3"), A("wav"), A("ogg"), A("oga"), A("ogv"), A("opus"), A("flac"), A("m4a"),
    A("aac"), A("wma"), A("mp4"), A("m4v"), A("mov"), A("qt"), A("avi"), A("mkv"),
    A("webm"), A("wmv"), A("flv"), A("mpg"), A("mpeg"), A("3gp"),
    D("pdf"), D("doc"), D("docx"), D("xls"), D("xlsx"), D("ppt"), D("pptx"), D("odt"),
    D("ods"), D("odp"),
    { NULL, SG_MEDIA_NONE, NULL }
};
#undef I
#undef A
#undef D

typedef struct magic_t {
    const char *bytes;        /* the signature at offset 0 */
    apr_size_t len;           /* its length */
    sg_media_kind_t kind;     /* what it says */
    const char *how;          /* "magic NAME" */
} magic_t;

#define M(b, k, h) { b, sizeof(b) - 1, k, "magic " h }
static const magic_t magics[] = {
    M("GIF87a", SG_MEDIA_IMAGE, "GIF"), M("GIF89a", SG_MEDIA_IMAGE, "GIF"),
    M("\x89PNG\r\n\x1a\n", SG_MEDIA_IMAGE, "PNG"), M("\xff\xd8\xff", SG_MEDIA_IMAGE, "JPEG"),
    M("II*\0", SG_MEDIA_IMAGE, "TIFF"), M("MM\0*", SG_MEDIA_IMAGE, "TIFF"),
    M("8BPS", SG_MEDIA_IMAGE, "PSD"),
    M("OggS", SG_MEDIA_AV, "Ogg"), M("fLaC", SG_MEDIA_AV, "FLAC"),
    M("\x1a\x45\xdf\xa3", SG_MEDIA_AV, "Matroska"), M("FLV\x01", SG_MEDIA_AV, "FLV"),
    M("\x30\x26\xb2\x75\x8e\x66\xcf\x11", SG_MEDIA_AV, "ASF"),
    M("\0\0\x01\xba", SG_MEDIA_AV, "MPEG"),
    M("\xff\xfb", SG_MEDIA_AV, "MP3"), M("\xff\xf3", SG_MEDIA_AV, "MP3"),
    M("\xff\xf2", SG_MEDIA_AV, "MP3"), M("\xff\xf1", SG_MEDIA_AV, "AAC"),
    M("\xff\xf9", SG_MEDIA_AV, "AAC"),
    M("%PDF-", SG_MEDIA_DOCUMENT, "PDF"),
    M("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", SG_MEDIA_DOCUMENT, "OLE2"),
    { NULL, 0, SG_MEDIA_NONE, NULL }
};
#undef M

static sg_media_kind_t by_name(const char *name, const char **how)
{
    const char *base = sg_path_basename(name), *dot = strrchr(base, '.');
    const ext_t *e;

    if (!dot) return SG_MEDIA_NONE;
    for (e = exts; e->ext; e++) {
        if (!strcasecmp(dot + 1, e->ext)) {
            *how = e->how;
            return e->kind;
        }
    }
    return SG_MEDIA_NONE;
}

/* Signatures with more to them than fixed bytes at 0: BMP (reserved zero
 * bytes), ICO/CUR (an image count), RIFF (the form type), ISO media (ftyp
 * at 4; HEIF and AVIF brands are images), ID3 (a version 2 to 4). */
static sg_media_kind_t by_structure(const unsigned char *s, apr_size_t n, const char **how)
{
    static const char zero4[4] = { 0, 0, 0, 0 };

    if (n >= 14 && s[0] == 'B' && s[1] == 'M' && !memcmp(s + 6, zero4, 4)) {
        *how = "magic BMP";
        return SG_MEDIA_IMAGE;
    }
    if (n >= 6 && !memcmp(s, "\0\0", 2) && (s[2] == 1 || s[2] == 2) && s[3] == 0
        && (s[4] || s[5])) {
        *how = "magic ICO";
        return SG_MEDIA_IMAGE;
    }
    if (n >= 12 && !memcmp(s, "RIFF", 4)) {
        if (!memcmp(s + 8, "WEBP", 4)) { *how = "magic WebP"; return SG_MEDIA_IMAGE; }
        if (!memcmp(s + 8, "WAVE", 4)) { *how = "magic WAVE"; return SG_MEDIA_AV; }
        if (!memcmp(s + 8, "AVI ", 4)) { *how = "magic AVI"; return SG_MEDIA_AV; }
    }
    if (n >= 12 && !memcmp(s + 4, "ftyp", 4)) {
        if (!memcmp(s + 8, "heic", 4) || !memcmp(s + 8, "heix", 4)
            || !memcmp(s + 8, "mif1", 4) || !memcmp(s + 8, "avif", 4)) {
            *how = "magic HEIF";
            return SG_MEDIA_IMAGE;
        }
        *how = "magic ISO media";
        return SG_MEDIA_AV;
    }
    if (n >= 5 && !memcmp(s, "ID3", 3) && s[3] >= 2 && s[3] <= 4 && s[4] != 0xff) {
        *how = "magic ID3";
        return SG_MEDIA_AV;
    }
    return SG_MEDIA_NONE;
}

sg_media_kind_t sg_media_kind(const char *name, const char *buf, apr_size_t len,
                              const char **how)
{
    const char *dummy;
    const magic_t *m;
    sg_media_kind_t kind;

    if (!how) how = &dummy;
    if (name && (kind = by_name(name, how)) != SG_MEDIA_NONE) return kind;
    for (m = magics; m->bytes; m++) {
        if (len >= m->len && !memcmp(buf, m->bytes, m->len)) {
            *how = m->how;
            return m->kind;
        }
    }
    return by_structure((const unsigned char *)buf, len, how);
}

const char *sg_media_kind_name(sg_media_kind_t kind)
{
    switch (kind) {
    case SG_MEDIA_IMAGE: return "image";
    case SG_MEDIA_AV: return "audio/video";
    case SG_MEDIA_DOCUMENT: return "document";
    default: return "not media";
    }
}

sg_media_kind_t sg_media_php_code(const char *name, const char *buf, apr_size_t len,
                                  apr_size_t *at, const char **how)
{
    sg_media_kind_t kind = sg_media_kind(name, buf, len, how);
    apr_ssize_t tag;

    if (kind == SG_MEDIA_NONE || (tag = sg_php_find_open_tag(buf, len)) < 0) {
        return SG_MEDIA_NONE;
    }
    if (at) *at = (apr_size_t)tag;
    return kind;
}
