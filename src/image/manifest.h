/* Image manifests and indexes, OCI and Docker schema 2 (schema 1 is refused, as containerd does): the JSON
 * a registry or an archive hands out, parsed into descriptors, and the choice of the host's platform from
 * an index (manifest list). */
#ifndef HUSK_IMAGE_MANIFEST_H
#define HUSK_IMAGE_MANIFEST_H

#include "base/error.h"
#include "image/digest.h"

#include <stdbool.h>
#include <stddef.h>

#define IMAGE_MEDIA_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MEDIA_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define IMAGE_MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_MEDIA_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MEDIA_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define IMAGE_MEDIA_OCI_LAYER_TAR   "application/vnd.oci.image.layer.v1.tar"
#define IMAGE_MANIFEST_MAX          (4 << 20) /* a limit on what a registry or archive may make us parse */
#define IMAGE_CONFIG_MAX            (8 << 20)

struct image_descriptor {
    char *media_type;
    char digest[IMAGE_DIGEST_STRING_SIZE];
    long long size;
    char *os, *architecture, *variant; /* index entries only */
    char *ref_name;                    /* org.opencontainers.image.ref.name / io.containerd.image.name */
};

struct image_manifest {
    bool is_index;
    char *media_type;
    struct image_descriptor config;   /* images */
    struct image_descriptor *entries; /* layers (images, lowest first) or manifests (indexes) */
    size_t n_entries;
};

int image_manifest_parse(const char *data, size_t len, struct image_manifest *ret, husk_error *err);
void image_manifest_free(struct image_manifest *m);

/* The host's architecture in OCI terms ("amd64", "arm64", ...). */
const char *image_host_architecture(void);

/* Picks the linux/<host arch> image manifest from an index. */
int image_index_choose(const struct image_manifest *index, const struct image_descriptor **ret,
                       husk_error *err);

/* Builds an OCI image manifest for a config and uncompressed layers (used for `docker save` archives). */
char *image_manifest_build(const struct image_descriptor *config, const struct image_descriptor *layers,
                           size_t n);

#endif
