/* Unit tests for base64 (src/base/base64.c): RFC 4648's vectors both ways, and the inputs Go's decoder
 * (the API server's) takes or refuses. */
#include "base/base64.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

/* RFC 4648 section 10. */
static const char *const rfc4648[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

/* Decodes text into a NUL-terminated string in out (size bytes at least the decoded maximum + 1); -1 when
 * it is not base64. */
static int decode_string(const char *text, char *out, size_t size)
{
    size_t n = 0;
    CHECK(HUSK_BASE64_DECODED_MAX(strlen(text)) < size);
    if (husk_base64_decode(text, strlen(text), (unsigned char *)out, &n) < 0)
        return -1;
    out[n] = '\0';
    return (int)n;
}

TEST(base64_encodes_the_rfc_vectors)
{
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        char out[HUSK_BASE64_ENCODED_SIZE(6)];
        size_t n = husk_base64_encode(rfc4648[i][0], strlen(rfc4648[i][0]), out);
        CHECK_STR_EQ(out, rfc4648[i][1]);
        CHECK_INT_EQ(n, strlen(rfc4648[i][1]));
        CHECK(HUSK_BASE64_ENCODED_SIZE(strlen(rfc4648[i][0])) == n + 1);
    }
}

TEST(base64_decodes_the_rfc_vectors)
{
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        char out[16];
        CHECK_INT_EQ(decode_string(rfc4648[i][1], out, sizeof out), strlen(rfc4648[i][0]));
        CHECK_STR_EQ(out, rfc4648[i][0]);
    }
}

TEST(base64_round_trips_every_byte_value)
{
    unsigned char bytes[256], back[256];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(255 - i);
    for (size_t len = 0; len <= sizeof bytes; len += 37) {
        char *text = husk_base64_encode_alloc(bytes, len);
        CHECK(text != NULL);
        size_t n = 0;
        CHECK_INT_EQ(husk_base64_decode(text, strlen(text), back, &n), 0);
        CHECK_INT_EQ(n, len);
        CHECK(memcmp(back, bytes, len) == 0);
        free(text);
    }
    char out[HUSK_BASE64_ENCODED_SIZE(3)];
    husk_base64_encode("\xff\xfe\xfd", 3, out);
    CHECK_STR_EQ(out, "//79"); /* the two characters past the alphanumerics */
}

TEST(base64_decode_ignores_unused_bits_as_go_does)
{
    char out[8];
    /* "YR==": the R's low four bits are not part of the byte; Go's StdEncoding (and OpenSSL) take it. */
    CHECK_INT_EQ(decode_string("YR==", out, sizeof out), 1);
    CHECK_STR_EQ(out, "a");
    CHECK_INT_EQ(decode_string("Zm9=", out, sizeof out), 2);
    CHECK_STR_EQ(out, "fo");
}

TEST(base64_decode_skips_blanks_around_the_text_only)
{
    char out[8];
    CHECK_INT_EQ(decode_string(" \tZm9v\r\n", out, sizeof out), 3);
    CHECK_STR_EQ(out, "foo");
    CHECK_INT_EQ(decode_string("Zm 9v", out, sizeof out), -1);
    CHECK_INT_EQ(decode_string("Zm9v\nYmFy", out, sizeof out), -1);
}

TEST(base64_decode_refuses_what_is_not_base64)
{
    static const char *const bad[] = {
        "Zg",       /* no padding */
        "Zg=",      /* short padding */
        "Z===",     /* one character makes no byte */
        "====",     /* padding only */
        "=Zg=",     /* padding first */
        "Zm=v",     /* padding inside a group */
        "Zg==Zm9v", /* padding before the end */
        "Zm9v!A==", /* not in the alphabet */
        "Zm9-",     /* the URL alphabet is another encoding */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[16];
        size_t n = 12345;
        CHECK_INT_EQ(husk_base64_decode(bad[i], strlen(bad[i]), (unsigned char *)out, &n), -1);
        CHECK_INT_EQ(n, 12345); /* untouched on failure */
    }
}
