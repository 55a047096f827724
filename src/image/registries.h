/* Registry configuration in the shape of k3s's registries.yaml (it is not a Kubernetes object):
 *
 *   mirrors:
 *     docker.io:
 *       endpoint: ["http://127.0.0.1:5000"]
 *   configs:
 *     "registry.example:5000":
 *       tls: {insecure_skip_verify: true}
 *       auth: {username: u, password: p}      # or auth: base64(u:p), or identity_token / token
 *
 * Looked up at --registries-config, else $HUSK_REGISTRIES_CONFIG, else /etc/husk/registries.yaml (which
 * may be missing). Credentials for a host come from here first, then from a Docker config.json. */
#ifndef HUSK_IMAGE_REGISTRIES_H
#define HUSK_IMAGE_REGISTRIES_H

#include "base/error.h"

#include <stdbool.h>
#include <stddef.h>

#define IMAGE_REGISTRIES_DEFAULT_PATH "/etc/husk/registries.yaml"

struct image_registry_mirror {
    char *host;       /* "docker.io", or "*" for every registry */
    char **endpoints; /* NULL-terminated URLs */
};

struct image_registry_credentials {
    char *username, *password; /* basic credentials, or NULL */
    char *token;               /* a registry (bearer) token or identity token, or NULL */
};

struct image_registry_host {
    char *host; /* "registry.example:5000" */
    bool insecure_skip_verify;
    struct image_registry_credentials auth;
};

struct image_registries {
    struct image_registry_mirror *mirrors;
    size_t n_mirrors;
    struct image_registry_host *hosts;
    size_t n_hosts;
};

/* path NULL: the environment / default chain above. A missing explicitly named file is an error. */
int image_registries_load(const char *path, struct image_registries *ret, husk_error *err);
/* Parses a YAML document held in memory (used by the loader and the tests). */
int image_registries_parse(const char *text, size_t len, const char *origin, struct image_registries *ret,
                           husk_error *err);
void image_registries_free(struct image_registries *r);

/* The mirror endpoints for a registry host ("docker.io"), or NULL. */
char *const *image_registries_mirrors(const struct image_registries *r, const char *host);
/* The configuration for a host ("127.0.0.1:5000"), or NULL. */
const struct image_registry_host *image_registries_host(const struct image_registries *r, const char *host);

void image_credentials_free(struct image_registry_credentials *c);

#endif
