/* SHA-256 helpers; see digest.h. */
#include "image/digest.h"
#include "base/cleanup.h"
#include "base/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

struct image_hasher {
    struct sha256_ctx ctx;
};

struct image_hasher *image_hasher_new(void)
{
    struct image_hasher *h = calloc(1, sizeof *h);
    if (h != NULL)
        sha256_init(&h->ctx);
    return h;
}

void image_hasher_update(struct image_hasher *h, const void *data, size_t n)
{
    sha256_update(&h->ctx, n, data);
}

void image_hasher_final(struct image_hasher *h, char out[IMAGE_DIGEST_STRING_SIZE])
{
    uint8_t md[SHA256_DIGEST_SIZE];
    sha256_digest(&h->ctx, sizeof md, md);
    memcpy(out, "sha256:", 7);
    husk_hex_encode(md, sizeof md, out + 7);
}

void image_hasher_free(struct image_hasher *h)
{
    free(h);
}

void image_digest_buffer(const void *data, size_t n, char out[IMAGE_DIGEST_STRING_SIZE])
{
    struct image_hasher h;
    sha256_init(&h.ctx);
    image_hasher_update(&h, data, n);
    image_hasher_final(&h, out);
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
