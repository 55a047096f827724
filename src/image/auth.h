/* Registry authentication: the WWW-Authenticate challenge a registry answers 401 with (RFC 7235, and the
 * Docker token flow: https://distribution.github.io/distribution/spec/auth/token/), and credentials from a
 * Docker-style config.json (--authfile, $DOCKER_CONFIG/config.json, ~/.docker/config.json). */
#ifndef HUSK_IMAGE_AUTH_H
#define HUSK_IMAGE_AUTH_H

#include "base/error.h"
#include "image/registries.h"

struct image_auth_challenge {
    char *scheme; /* "Bearer" or "Basic" (as sent) */
    char *realm, *service, *scope;
};

int image_auth_parse_challenge(const char *header, struct image_auth_challenge *ret, husk_error *err);
void image_auth_challenge_free(struct image_auth_challenge *c);

/* Looks host up in a Docker config.json. authfile NULL: $DOCKER_CONFIG/config.json, then
 * ~/.docker/config.json. Returns 1 and fills ret when found, 0 when not, -1 on a broken file. */
int image_auth_from_docker_config(const char *authfile, const char *host,
                                  struct image_registry_credentials *ret, husk_error *err);

#endif
