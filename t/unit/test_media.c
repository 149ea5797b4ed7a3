/* test_media.c: media by name and magic bytes, and PHP code in them (sg_media). */
#include <string.h>
#include <apr_strings.h>
#include "tests.h"
#include "sg_media.h"

#define KIND(name, lit) sg_media_kind(name, lit, sizeof(lit) - 1, &how)
#define CODE(name, lit) sg_media_php_code(name, lit, sizeof(lit) - 1, &at, &how)

START_TEST(kind_by_name)
{
    const char *how = NULL;

    ck_assert_int_eq(KIND("avatar.JPG", "text"), SG_MEDIA_IMAGE);
    ck_assert_str_eq(how, "name .jpg");
    ck_assert_int_eq(KIND("/up/shell.php.png", ""), SG_MEDIA_IMAGE);
    ck_assert_int_eq(KIND("clip.mp4", ""), SG_MEDIA_AV);
    ck_assert_int_eq(KIND("report.docx", ""), SG_MEDIA_DOCUMENT);
    ck_assert_int_eq(KIND("logo.svg", ""), SG_MEDIA_IMAGE);
    ck_assert_int_eq(KIND("notes.txt", "plain"), SG_MEDIA_NONE);
    ck_assert_int_eq(KIND("archive.zip", "PK\x03\x04"), SG_MEDIA_NONE);
    ck_assert_int_eq(KIND("jpg", ""), SG_MEDIA_NONE);
    ck_assert_int_eq(KIND(NULL, "plain"), SG_MEDIA_NONE);
}
END_TEST

START_TEST(kind_by_magic)
{
    const char *how = NULL;

    ck_assert_int_eq(KIND("x.bin", "GIF89a\x01\x00"), SG_MEDIA_IMAGE);
    ck_assert_str_eq(how, "magic GIF");
    ck_assert_int_eq(KIND(NULL, "\x89PNG\r\n\x1a\n...."), SG_MEDIA_IMAGE);
    ck_assert_int_eq(KIND(NULL, "\xff\xd8\xff\xe0\0\x10JFIF"), SG_MEDIA_IMAGE);
    ck_assert_int_eq(KIND(NULL, "BM\x36\0\0\0\0\0\0\0\x36\0\0\0"), SG_MEDIA_IMAGE);
    ck_assert_int_eq(KIND(NULL, "RIFF\x10\0\0\0WEBPVP8 "), SG_MEDIA_IMAGE);
    ck_assert_int_eq(KIND(NULL, "\0\0\0\x18" "ftypavif\0\0\0\0"), SG_MEDIA_IMAGE);
    ck_assert_int_eq(KIND(NULL, "\0\0\0\x18" "ftypisom\0\0\0\0"), SG_MEDIA_AV);
    ck_assert_int_eq(KIND(NULL, "ID3\x03\0\0\0\0\0\0"), SG_MEDIA_AV);
    ck_assert_int_eq(KIND(NULL, "RIFF\x10\0\0\0WAVEfmt "), SG_MEDIA_AV);
    ck_assert_int_eq(KIND(NULL, "%PDF-1.7\n"), SG_MEDIA_DOCUMENT);
    ck_assert_int_eq(KIND(NULL, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0"), SG_MEDIA_DOCUMENT);
    /* Text that merely starts like a signature is not media. */
    ck_assert_int_eq(KIND(NULL, "BMW and Audi <?php echo 1; ?>"), SG_MEDIA_NONE);
    ck_assert_int_eq(KIND(NULL, "ID3 tags explained"), SG_MEDIA_NONE);
    ck_assert_int_eq(KIND(NULL, "RIFF raff"), SG_MEDIA_NONE);
    ck_assert_int_eq(KIND(NULL, "GIF8"), SG_MEDIA_NONE);
    ck_assert_int_eq(KIND(NULL, ""), SG_MEDIA_NONE);
}
END_TEST

START_TEST(code_in_media_is_found)
{
    const char *how = NULL;
    apr_size_t at = 0;

    ck_assert_int_eq(CODE("a.gif", "GIF89a<?php echo 1; ?>"), SG_MEDIA_IMAGE);
    ck_assert_int_eq(at, 6);
    ck_assert_str_eq(how, "name .gif");
    /* The short tag with code, in a file only its name calls a JPEG. */
    ck_assert_int_eq(CODE("p.jpg", "<? eval(gzinflate(str_rot13(base64_decode('vUl6ck')))); ?>"),
                     SG_MEDIA_IMAGE);
    ck_assert_int_eq(at, 0);
    ck_assert_int_eq(CODE("e.png", "<?= $_GET['c'] ?>"), SG_MEDIA_IMAGE);
    /* After a real image header, under a name that says nothing. */
    ck_assert_int_eq(CODE("up.bin", "\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
                                    "\xff\xfe\0\x20<?php system($_GET['c']); ?>"),
                     SG_MEDIA_IMAGE);
    ck_assert_str_eq(how, "magic JPEG");
    ck_assert_int_eq(CODE("x.php", "GIF89a<?php phpinfo();"), SG_MEDIA_IMAGE);
    ck_assert_int_eq(CODE("doc.pdf", "%PDF-1.4\n1 0 obj <?php passthru($_POST['x']); ?>"),
                     SG_MEDIA_DOCUMENT);
}
END_TEST

START_TEST(no_code_no_finding)
{
    const char *how = NULL;
    apr_size_t at = 0;

    ck_assert_int_eq(CODE("logo.svg", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                      "<?xml-stylesheet href=\"s.css\" type=\"text/css\"?>\n"
                                      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\"/>"),
                     SG_MEDIA_NONE);
    /* XMP packets as Adobe writes them into JPEG, PNG, PDF and SVG. */
    ck_assert_int_eq(CODE("photo.jpg", "\xff\xd8\xff\xe1<?xpacket begin=\"\xef\xbb\xbf\" "
                                       "id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta/>"
                                       "<?xpacket end=\"w\"?>"),
                     SG_MEDIA_NONE);
    ck_assert_int_eq(CODE("photo.jpg", "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"),
                     SG_MEDIA_NONE);
    /* PHP where it belongs, or in a file nothing calls media. */
    ck_assert_int_eq(CODE("index.php", "<?php echo 1; ?>"), SG_MEDIA_NONE);
    ck_assert_int_eq(CODE("notes.txt", "use <?php echo $x; ?> in templates"), SG_MEDIA_NONE);
    ck_assert_int_eq(CODE("clean.gif", "GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff\0\0\0!\xf9\x04"),
                     SG_MEDIA_NONE);
}
END_TEST

/* Compressed image data holds "<?" and "<?=" by chance: not code. */
START_TEST(stray_tags_in_binary_data)
{
    apr_size_t len = 200000, i, at = 0;
    char *buf = apr_palloc(test_pool, len);
    apr_uint32_t x = 12345;
    const char *how = NULL;

    for (i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (char)(x >> 16);
    }
    memcpy(buf, "\xff\xd8\xff\xe0", 4);
    for (i = 1000; i + 8 < len; i += 9973) {
        memcpy(buf + i, (i / 9973) % 2 ? "<? " : "<?=", 3);
    }
    ck_assert_int_eq(sg_media_php_code("photo.jpg", buf, len, &at, &how), SG_MEDIA_NONE);
    memcpy(buf + 150000, "<?php exec($_REQUEST['c']);", 27);
    ck_assert_int_eq(sg_media_php_code("photo.jpg", buf, len, &at, &how), SG_MEDIA_IMAGE);
    ck_assert_int_eq(at, 150000);
}
END_TEST

Suite *media_suite(void)
{
    Suite *s = suite_create("media");
    TCase *tc = tcase_create("media");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, kind_by_name);
    tcase_add_test(tc, kind_by_magic);
    tcase_add_test(tc, code_in_media_is_found);
    tcase_add_test(tc, no_code_no_finding);
    tcase_add_test(tc, stray_tags_in_binary_data);
    suite_add_tcase(s, tc);
    return s;
}
