/* Bytes as hexadecimal text: digests ("sha256:<hex>", the static pod uid, the OpenAPI document hashes)
 * and random tokens. */
#ifndef HUSK_BASE_HEX_H
#define HUSK_BASE_HEX_H

#include <stddef.h>

/* Writes data as lowercase hex into out (2 * size + 1 bytes), NUL-terminated. */
void husk_hex_encode(const void *data, size_t size, char *out);

/* The same in uppercase. */
void husk_hex_encode_upper(const void *data, size_t size, char *out);

#endif
