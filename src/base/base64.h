/* Base64 (RFC 4648 section 4: the standard alphabet, '=' padding), as Kubernetes keeps Secret data, as HTTP
 * basic auth and the WebSocket handshake carry it, and as Docker config files hold credentials. */
#ifndef HUSK_BASE_BASE64_H
#define HUSK_BASE_BASE64_H

#include <stddef.h>

/* The buffer husk_base64_encode needs for size bytes: the text with its padding, and a NUL. */
#define HUSK_BASE64_ENCODED_SIZE(size) (4 * (((size) + 2) / 3) + 1)
/* At most how many bytes length characters of base64 decode to. */
#define HUSK_BASE64_DECODED_MAX(length) ((length) / 4 * 3)

/* Encodes data into out (HUSK_BASE64_ENCODED_SIZE(size) bytes), padded and NUL-terminated; returns the
 * length of the text. */
size_t husk_base64_encode(const void *data, size_t size, char *out);

/* The same into a new string (free it); NULL when out of memory. */
char *husk_base64_encode_alloc(const void *data, size_t size);

/* Decodes length characters of text into out (HUSK_BASE64_DECODED_MAX(length) bytes) as Go's
 * base64.StdEncoding does, which the API server decodes Secret data with: padding required, unused bits of
 * the last character ignored; blanks and line ends around the text are skipped, none inside it. Returns -1
 * when text is not base64, leaving *ret_size untouched. */
int husk_base64_decode(const char *text, size_t length, unsigned char *out, size_t *ret_size);

#endif
