/* Hexadecimal text; see hex.h. */
#include "base/hex.h"

static void hex_encode(const void *data, size_t size, const char *digits, char *out)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < size; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    out[2 * size] = '\0';
}

void husk_hex_encode(const void *data, size_t size, char *out)
{
    hex_encode(data, size, "0123456789abcdef", out);
}

void husk_hex_encode_upper(const void *data, size_t size, char *out)
{
    hex_encode(data, size, "0123456789ABCDEF", out);
}
