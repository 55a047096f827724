/* Image references ("busybox", "localhost:5000/app:v1", "nginx@sha256:…"), parsed and normalised the way
 * Docker and Kubernetes do (github.com/distribution/reference): a missing registry is docker.io, a
 * one-component docker.io path gets "library/", and a reference without tag or digest gets ":latest". */
#ifndef HUSK_IMAGE_REFERENCE_H
#define HUSK_IMAGE_REFERENCE_H

#include "base/error.h"

#include <stdbool.h>

struct image_reference {
    char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
    char *path;   /* "library/busybox" */
    char *tag;    /* "latest"; NULL when only a digest was given */
    char *digest; /* "sha256:<64 hex>", or NULL */
};

/* Parses and normalises text. On failure err says what is wrong ("InvalidImageName" cases). */
int image_reference_parse(const char *text, struct image_reference *ret, husk_error *err);

/* The canonical string: "docker.io/library/busybox:latest", "x@sha256:…" or "x:tag@sha256:…". */
char *image_reference_string(const struct image_reference *ref);

/* "docker.io/library/busybox" — the repository without tag or digest. */
char *image_reference_repository(const struct image_reference *ref);

void image_reference_free(struct image_reference *ref);

/* True for "sha256:" followed by 64 lowercase hex digits. */
bool image_digest_is_valid(const char *digest);

#endif
