/* Base64; see base64.h. Encoding is nettle's. Decoding is written out here: nettle's decoder refuses a
 * last character whose unused bits are set ("YR==") and accepts blanks inside the text, and Go's decoder,
 * whose answer the API server gave when it accepted a Secret, does neither. */
#include "base/base64.h"

#include <nettle/base64.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t husk_base64_encode(const void *data, size_t size, char *out)
{
    size_t length = BASE64_ENCODE_RAW_LENGTH(size);
    base64_encode_raw(out, size, data);
    out[length] = '\0';
    return length;
}

char *husk_base64_encode_alloc(const void *data, size_t size)
{
    char *out = malloc(HUSK_BASE64_ENCODED_SIZE(size));
    if (out != NULL)
        husk_base64_encode(data, size, out);
    return out;
}

/* The 6-bit value of a base64 character, or -1. */
static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int husk_base64_decode(const char *text, size_t length, unsigned char *out, size_t *ret_size)
{
    while (length > 0 && is_blank(text[0])) {
        text++;
        length--;
    }
    while (length > 0 && is_blank(text[length - 1]))
        length--;
    if (length % 4 != 0)
        return -1;
    /* One or two '=' end the last group of four, which then holds two or one bytes. */
    size_t padding = 0;
    while (padding < 2 && padding < length && text[length - 1 - padding] == '=')
        padding++;
    size_t n = 0;
    for (size_t i = 0; i < length; i += 4) {
        size_t digits = i + 4 == length ? 4 - padding : 4;
        uint32_t group = 0;
        for (size_t j = 0; j < 4; j++) {
            int value = j < digits ? sextet(text[i + j]) : 0;
            if (value < 0)
                return -1;
            group = group << 6 | (uint32_t)value;
        }
        out[n++] = (unsigned char)(group >> 16);
        if (digits > 2)
            out[n++] = (unsigned char)(group >> 8);
        if (digits > 3)
            out[n++] = (unsigned char)group;
    }
    *ret_size = n;
    return 0;
}
