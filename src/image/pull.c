/* `image pull`: resolving a name to registry endpoints (mirrors from registries.yaml first, then the
 * registry itself), fetching the manifest (choosing the host's platform from an index), downloading the
 * config and layers, and committing the image; see image.h. */
#include "base/cleanup.h"
#include "image/commit.h"
#include "image/image.h"
#include "image/registries.h"
#include "image/registry.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The registry's own endpoint: docker.io is served from registry-1.docker.io; loopback registries speak
 * plain HTTP without configuration, as Docker allows; everything else HTTPS. */
static char *default_endpoint(const char *domain)
{
    char *url = NULL;
    const char *host = strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain;
    if (asprintf(&url, "%s://%s", registry_host_is_loopback(domain) ? "http" : "https", host) < 0)
        return NULL;
    return url;
}

struct fetched {
    struct registry_client client;
    struct image_manifest manifest;
    char digest[IMAGE_DIGEST_STRING_SIZE];     /* of the image manifest */
    char top_digest[IMAGE_DIGEST_STRING_SIZE]; /* of what the tag names (maybe an index) */
    char *body;
    size_t len;
};

static int fetch_verified(struct registry_client *c, const char *reference, struct registry_response *r,
                          char digest[IMAGE_DIGEST_STRING_SIZE], husk_error *err)
{
    if (registry_get_manifest(c, reference, r, err) < 0)
        return -1;
    if (r->body == NULL)
        return husk_error_set(err, EBADMSG, "the registry sent an empty manifest for %s", reference);
    image_digest_buffer(r->body, r->len, digest);
    if (strncmp(reference, "sha256:", 7) == 0 && strcmp(reference, digest) != 0)
        return husk_error_set(err, EBADMSG,
                              "manifest digest mismatch: asked for %s, got content with digest %s", reference,
                              digest);
    return 0;
}

/* Fetches the image manifest from one endpoint, resolving an index to the host's platform. */
static int fetch_manifest(struct fetched *f, const struct image_reference *ref, husk_error *err)
{
    struct registry_response r = {0};
    const char *reference = ref->digest ? ref->digest : ref->tag;
    if (fetch_verified(&f->client, reference, &r, f->top_digest, err) < 0)
        goto fail;
    if (image_manifest_parse(r.body, r.len, &f->manifest, err) < 0)
        goto fail;
    if (f->manifest.is_index) {
        const struct image_descriptor *d;
        if (image_index_choose(&f->manifest, &d, err) < 0)
            goto fail;
        char chosen[IMAGE_DIGEST_STRING_SIZE];
        memcpy(chosen, d->digest, sizeof chosen);
        image_manifest_free(&f->manifest);
        registry_response_free(&r);
        if (fetch_verified(&f->client, chosen, &r, f->digest, err) < 0 ||
            image_manifest_parse(r.body, r.len, &f->manifest, err) < 0)
            goto fail;
        if (f->manifest.is_index) {
            husk_error_set(err, EBADMSG, "the index entry %s is itself an index", chosen);
            goto fail;
        }
    } else {
        memcpy(f->digest, f->top_digest, sizeof f->digest);
    }
    f->body = steal_pointer(&r.body);
    f->len = r.len;
    registry_response_free(&r);
    return 0;
fail:
    registry_response_free(&r);
    return -1;
}

static void fetched_free(struct fetched *f)
{
    registry_client_free(&f->client);
    image_manifest_free(&f->manifest);
    free(f->body);
    *f = (struct fetched){0};
}

/* Collects each endpoint's failure, so the final error says why every one of them failed. */
static void append_message(char *messages, size_t size, const char *message)
{
    size_t used = strlen(messages);
    if (used > 0 && used + 2 < size) {
        memcpy(messages + used, "; ", 3);
        used += 2;
    }
    size_t n = strnlen(message, size - used - 1);
    memcpy(messages + used, message, n);
    messages[used + n] = '\0';
}

/* Tries the mirrors, then the registry itself; the first endpoint that has the manifest serves the pull. */
static int resolve(const struct image_reference *ref, const struct image_pull_options *o, struct fetched *f,
                   husk_error *err)
{
    struct image_registries regs = {0};
    if (image_registries_load(o->registries_config, &regs, err) < 0)
        return -1;
    char *const *mirrors = image_registries_mirrors(&regs, ref->domain);
    size_t n_mirrors = image_strv_length(mirrors);
    cleanup_free char *upstream = default_endpoint(ref->domain);
    cleanup_free char *plain = NULL;
    /* A registry configured insecure is tried over HTTPS without verification, then over plain HTTP, as
     * Docker treats its insecure-registries. */
    const struct image_registry_host *h = image_registries_host(&regs, ref->domain);
    if (h != NULL && h->insecure_skip_verify && strncmp(upstream, "https://", 8) == 0 &&
        asprintf(&plain, "http://%s", upstream + 8) < 0)
        plain = NULL;
    char messages[HUSK_ERROR_MESSAGE_MAX] = "";
    int rc = -1;
    for (size_t i = 0; i <= n_mirrors + (plain != NULL) && rc < 0; i++) {
        const char *endpoint = i < n_mirrors ? mirrors[i] : i == n_mirrors ? upstream : plain;
        fetched_free(f);
        rc = registry_client_init(&f->client, endpoint, ref->path, &regs, o->authfile, err);
        if (rc == 0)
            rc = fetch_manifest(f, ref, err);
        if (rc < 0)
            append_message(messages, sizeof messages, err->message);
    }
    image_registries_free(&regs);
    if (rc < 0) {
        memcpy(err->message, messages, sizeof messages);
        fetched_free(f);
    }
    return rc;
}

static int download_and_commit(struct image_store *s, struct fetched *f, const char *name,
                               const char *repo_digest, const struct image_pull_options *o,
                               struct image_record *ret, husk_error *err)
{
    size_t n = f->manifest.n_entries;
    struct image_descriptor *blobs = calloc(n + 1, sizeof *blobs);
    if (blobs == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    blobs[0] = f->manifest.config;
    memcpy(blobs + 1, f->manifest.entries, n * sizeof *blobs);
    int rc = image_store_put_blob(s, f->body, f->len, f->digest, NULL, err);
    if (rc == 0)
        rc = registry_download_blobs(&f->client, s, blobs, n + 1, o->progress, o->progress_data, err);
    free(blobs); /* shallow copies of the manifest's descriptors */
    if (rc < 0)
        return -1;
    return image_commit_manifest(s, name, repo_digest, f->digest, ret, err);
}

int image_pull(struct image_store *s, const char *name, const struct image_pull_options *opts,
               struct image_record *ret, husk_error *err)
{
    static const struct image_pull_options defaults = {0};
    const struct image_pull_options *o = opts ? opts : &defaults;
    struct image_reference ref;
    if (image_reference_parse(name, &ref, err) < 0)
        return IMAGE_ERR_INVALID_NAME;
    cleanup_free char *full = image_reference_string(&ref);
    cleanup_free char *repo = image_reference_repository(&ref);
    struct fetched f = {0};
    cleanup_close int name_lock =
        full ? image_store_lock_name(s, full, err) : husk_error_set(err, ENOMEM, "out of memory");
    int rc = name_lock < 0 ? -1 : resolve(&ref, o, &f, err);
    cleanup_free char *repo_digest = NULL;
    if (rc == 0 && asprintf(&repo_digest, "%s@%s", repo, f.top_digest) < 0)
        rc = husk_error_set(err, ENOMEM, "out of memory");
    if (rc == 0 && (rc = image_store_lock(s, false, err)) == 0) {
        rc = download_and_commit(s, &f, full, repo_digest, o, ret, err);
        image_store_unlock(s);
    }
    fetched_free(&f);
    image_reference_free(&ref);
    if (rc < 0) {
        husk_error_wrap(err, "pulling %s", full ? full : name);
        return IMAGE_ERR_PULL;
    }
    return 0;
}
