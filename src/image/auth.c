/* Challenge parsing and Docker config.json credentials; see auth.h. */
#include "image/auth.h"
#include "base/base64.h"
#include "base/cleanup.h"
#include "image/files.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void image_auth_challenge_free(struct image_auth_challenge *c)
{
    free(c->scheme);
    free(c->realm);
    free(c->service);
    free(c->scope);
    *c = (struct image_auth_challenge){0};
}

/* Reads a token or a quoted string (with backslash escapes) at *p; advances *p. */
static char *read_value(const char **p)
{
    const char *s = *p;
    size_t cap = strlen(s) + 1, n = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    if (*s == '"') {
        for (s++; *s != '\0' && *s != '"'; s++) {
            if (*s == '\\' && s[1] != '\0')
                s++;
            out[n++] = *s;
        }
        if (*s == '"')
            s++;
    } else {
        while (*s != '\0' && *s != ',' && !isspace((unsigned char)*s))
            out[n++] = *s++;
    }
    out[n] = '\0';
    *p = s;
    return out;
}

static int parse_params(const char *p, struct image_auth_challenge *c, husk_error *err)
{
    while (*p != '\0') {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            break;
        const char *eq = strchr(p, '=');
        if (eq == NULL || eq == p)
            return husk_error_set(err, EINVAL, "malformed WWW-Authenticate parameter at \"%s\"", p);
        size_t klen = (size_t)(eq - p);
        while (klen > 0 && isspace((unsigned char)p[klen - 1]))
            klen--;
        char key[32] = "";
        if (klen < sizeof key)
            memcpy(key, p, klen), key[klen] = '\0';
        p = eq + 1;
        while (isspace((unsigned char)*p))
            p++;
        char *value = read_value(&p);
        if (value == NULL)
            return husk_error_set(err, ENOMEM, "out of memory");
        char **slot = !strcasecmp(key, "realm")     ? &c->realm
                      : !strcasecmp(key, "service") ? &c->service
                      : !strcasecmp(key, "scope")   ? &c->scope
                                                    : NULL;
        if (slot != NULL) {
            free(*slot);
            *slot = value;
        } else {
            free(value);
        }
    }
    return 0;
}

int image_auth_parse_challenge(const char *header, struct image_auth_challenge *ret, husk_error *err)
{
    struct image_auth_challenge c = {0};
    while (isspace((unsigned char)*header))
        header++;
    size_t n = strcspn(header, " \t");
    if (n == 0)
        return husk_error_set(err, EINVAL, "empty WWW-Authenticate header");
    c.scheme = strndup(header, n);
    if (c.scheme == NULL || parse_params(header + n, &c, err) < 0) {
        image_auth_challenge_free(&c);
        return c.scheme == NULL ? husk_error_set(err, ENOMEM, "out of memory") : -1;
    }
    if (strcasecmp(c.scheme, "Bearer") == 0 && c.realm == NULL) {
        image_auth_challenge_free(&c);
        return husk_error_set(err, EINVAL, "Bearer challenge without a realm");
    }
    *ret = c;
    return 0;
}

/* "https://index.docker.io/v1/" → "index.docker.io"; docker.io's aliases all become "docker.io". */
static void normalise_host(const char *in, char *out, size_t size)
{
    const char *s = strstr(in, "://");
    s = s ? s + 3 : in;
    size_t n = strcspn(s, "/");
    snprintf(out, size, "%.*s", (int)n, s);
    if (!strcmp(out, "index.docker.io") || !strcmp(out, "registry-1.docker.io"))
        snprintf(out, size, "docker.io");
}

static int decode_auth(const char *b64, struct image_registry_credentials *ret, husk_error *err)
{
    size_t len = strlen(b64);
    unsigned char raw[1024];
    if (len > 4 * (sizeof raw / 3) - 4)
        return husk_error_set(err, EINVAL, "an \"auth\" entry is too long");
    size_t n = 0;
    if (husk_base64_decode(b64, len, raw, &n) < 0)
        return husk_error_set(err, EINVAL, "an \"auth\" entry is not valid base64");
    char *colon = memchr(raw, ':', n);
    if (colon == NULL)
        return husk_error_set(err, EINVAL, "an \"auth\" entry is not base64 of user:password");
    ret->username = strndup((char *)raw, (size_t)(colon - (char *)raw));
    ret->password = strndup(colon + 1, n - (size_t)(colon + 1 - (char *)raw));
    return 0;
}

static int lookup(json_t *auths, const char *host, struct image_registry_credentials *ret, husk_error *err)
{
    const char *key;
    json_t *value;
    char want[256], have[256];
    normalise_host(host, want, sizeof want);
    json_object_foreach(auths, key, value)
    {
        normalise_host(key, have, sizeof have);
        if (strcmp(want, have) != 0)
            continue;
        const char *auth = json_string_value(json_object_get(value, "auth"));
        const char *token = json_string_value(json_object_get(value, "identitytoken"));
        if (token != NULL && token[0] != '\0')
            ret->token = strdup(token);
        if (auth != NULL && auth[0] != '\0' && decode_auth(auth, ret, err) < 0)
            return -1;
        return 1;
    }
    return 0;
}

int image_auth_from_docker_config(const char *authfile, const char *host,
                                  struct image_registry_credentials *ret, husk_error *err)
{
    char path[4096];
    const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
    if (authfile != NULL)
        snprintf(path, sizeof path, "%s", authfile);
    else if (dir != NULL && dir[0] != '\0')
        snprintf(path, sizeof path, "%s/config.json", dir);
    else if (home != NULL && home[0] != '\0')
        snprintf(path, sizeof path, "%s/.docker/config.json", home);
    else
        return 0;
    cleanup_free char *text = NULL;
    if (image_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, err) < 0) {
        if (err->code == ENOENT && authfile == NULL)
            return 0;
        return husk_error_wrap(err, "reading credentials");
    }
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!json_is_object(j)) {
        json_decref(j);
        return husk_error_set(err, EINVAL, "%s is not a JSON object: %s", path, jerr.text);
    }
    int rc = lookup(json_object_get(j, "auths"), host, ret, err);
    json_decref(j);
    if (rc < 0)
        return husk_error_wrap(err, "%s", path);
    return rc;
}
