/* Unit tests for hexadecimal text (src/base/hex.c). */
#include "base/hex.h"
#include "harness.h"

TEST(hex_encodes_lowercase_and_uppercase)
{
    const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof bytes + 1];
    husk_hex_encode(bytes, sizeof bytes, out);
    CHECK_STR_EQ(out, "00017f80abff");
    husk_hex_encode_upper(bytes, sizeof bytes, out);
    CHECK_STR_EQ(out, "00017F80ABFF");
}

TEST(hex_of_nothing_is_the_empty_string)
{
    char out[1] = {'x'};
    husk_hex_encode("", 0, out);
    CHECK_STR_EQ(out, "");
}
