/* SHA-256 helpers; see digest.h. */
#include "image/digest.h"
#include "base/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct image_hasher {
    EVP_MD_CTX *ctx;
};

struct image_hasher *image_hasher_new(void)
{
    struct image_hasher *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->ctx = EVP_MD_CTX_new();
    if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        image_hasher_free(h);
        return NULL;
    }
    return h;
}

void image_hasher_update(struct image_hasher *h, const void *data, size_t n)
{
    EVP_DigestUpdate(h->ctx, data, n);
}

void image_hasher_final(struct image_hasher *h, char out[IMAGE_DIGEST_STRING_SIZE])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(h->ctx, md, &len);
    memcpy(out, "sha256:", 7);
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    out[IMAGE_DIGEST_STRING_SIZE - 1] = '\0';
}

void image_hasher_free(struct image_hasher *h)
{
    if (h == NULL)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void image_digest_buffer(const void *data, size_t n, char out[IMAGE_DIGEST_STRING_SIZE])
{
    unsigned char md[32];
    EVP_Digest(data, n, md, NULL, EVP_sha256(), NULL);
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

/* Hashes what fd holds, reading through buf. */
static int hash_fd(int fd, const char *name, char *buf, size_t size, char out[IMAGE_DIGEST_STRING_SIZE],
                   long long *ret_size, husk_error *err)
{
    struct image_hasher *h = image_hasher_new();
    if (h == NULL)
        return husk_error_set(err, ENOMEM, "out of memory hashing %s", name);
    long long total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            image_hasher_free(h);
            return husk_error_set_errno(err, errno, "reading %s", name);
        }
        if (n == 0)
            break;
        image_hasher_update(h, buf, (size_t)n);
        total += n;
    }
    image_hasher_final(h, out);
    image_hasher_free(h);
    if (ret_size != NULL)
        *ret_size = total;
    return 0;
}

int image_digest_file_at(int dirfd, const char *name, char out[IMAGE_DIGEST_STRING_SIZE], long long *ret_size,
                         husk_error *err)
{
    cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening %s", name);
    /* On the heap, not in thread-local storage: a static __thread buffer is copied into every thread the
     * daemon starts (one per pod), used or not. */
    enum { BUFFER_SIZE = 1 << 16 };
    char *buf = malloc(BUFFER_SIZE);
    if (buf == NULL)
        return husk_error_set(err, ENOMEM, "out of memory hashing %s", name);
    int r = hash_fd(fd, name, buf, BUFFER_SIZE, out, ret_size, err);
    free(buf);
    return r;
}
