/* Shared by registry.c and registry_blobs.c only. */
#ifndef HUSK_IMAGE_REGISTRY_INTERNAL_H
#define HUSK_IMAGE_REGISTRY_INTERNAL_H

#include "image/registry.h"

#include <curl/curl.h>
#include <stddef.h>

struct registry_buffer {
    char *data;
    size_t len, max;
    char *www_authenticate, *content_type;
};

void registry_buffer_free(struct registry_buffer *b);
/* URL, redirects, timeouts, TLS settings common to every request. */
void registry_setup_easy(CURL *curl, const struct registry_client *c, const char *url);

#endif
