/* A client for one repository on one registry endpoint, speaking the OCI distribution API
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md) over libcurl: manifests into
 * memory, blobs straight into the content store in parallel (curl multi), each checked against its digest
 * and size, with retries; 401 answers are met with the Bearer token flow or basic credentials. */
#ifndef HUSK_IMAGE_REGISTRY_H
#define HUSK_IMAGE_REGISTRY_H

#include "base/error.h"
#include "image/manifest.h"
#include "image/registries.h"
#include "image/store.h"

#include <stdbool.h>

struct registry_client {
    char *base;       /* "https://registry-1.docker.io", "http://127.0.0.1:5000" */
    char *repository; /* "library/busybox" */
    bool insecure_skip_verify;
    struct image_registry_credentials creds;
    char *authorization; /* "Bearer …" or "Basic …" once authenticated */
};

struct registry_response {
    char *body;
    size_t len;
    char *content_type;
};

typedef void (*image_progress_fn)(void *data, long long done, long long total, int blobs_done,
                                  int blobs_total);

/* base: an endpoint URL; host: the registry host whose credentials apply (may differ from the URL's for a
 * mirror); authfile may be NULL. */
int registry_client_init(struct registry_client *c, const char *base, const char *repository,
                         const struct image_registries *regs, const char *authfile, husk_error *err);
void registry_client_free(struct registry_client *c);

/* GET /v2/REPO/manifests/REFERENCE (a tag or a digest), accepting OCI and Docker manifests and indexes. */
int registry_get_manifest(struct registry_client *c, const char *reference, struct registry_response *ret,
                          husk_error *err);
void registry_response_free(struct registry_response *r);

/* Downloads the blobs not yet in the store, up to 4 at a time, each verified before it is renamed in. */
int registry_download_blobs(struct registry_client *c, struct image_store *s,
                            const struct image_descriptor *blobs, size_t n, image_progress_fn progress,
                            void *progress_data, husk_error *err);

/* True for localhost, 127.0.0.0/8 and ::1 (with or without a port): plain HTTP, as Docker allows. */
bool registry_host_is_loopback(const char *host);

#endif
