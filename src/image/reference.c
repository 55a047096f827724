/* Parsing and normalising image references, following the grammar of github.com/distribution/reference
 * (the code Docker, containerd and the kubelet use), so a name means here what it means to kubectl. */
#include "image/reference.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REFERENCE_NAME_MAX 255 /* distribution/reference: NameTotalLengthMax */
#define REFERENCE_TAG_MAX  128
#define REFERENCE_TEXT_MAX 4096 /* what we agree to look at at all */

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool image_digest_is_valid(const char *digest)
{
    if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + 64)
        return false;
    for (const char *p = digest + 7; *p != '\0'; p++)
        if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
            return false;
    return true;
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool path_component_is_valid(const char *s, size_t n)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i < n; i++) {
        if (is_lower_alnum(s[i]))
            continue;
        size_t j = i;
        while (j < n && !is_lower_alnum(s[j]))
            j++;
        size_t len = j - i;
        bool dashes = strspn(s + i, "-") >= len;
        bool ok = dashes || (len == 1 && (s[i] == '.' || s[i] == '_')) ||
                  (len == 2 && s[i] == '_' && s[i + 1] == '_');
        if (!ok)
            return false;
        i = j - 1;
    }
    return true;
}

static bool path_is_valid(const char *path)
{
    const char *p = path;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (!path_component_is_valid(p, n))
            return false;
        if (slash == NULL)
            return true;
        p = slash + 1;
    }
}

/* Labels separated by '.', each [a-zA-Z0-9] or [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]. */
static bool host_labels_are_valid(const char *host, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && host[i] != '.') {
            if (!isalnum((unsigned char)host[i]) && host[i] != '-')
                return false;
            continue;
        }
        if (i == start || host[start] == '-' || host[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

/* A host name label list or an IPv6 literal in brackets, with an optional :port. */
static bool domain_is_valid(const char *d)
{
    const char *port = NULL;
    if (d[0] == '[') {
        const char *close = strchr(d, ']');
        if (close == NULL || close == d + 1 ||
            strspn(d + 1, "0123456789abcdefABCDEF:") != (size_t)(close - d - 1))
            return false;
        port = close[1] == ':' ? close + 2 : NULL;
        if (close[1] != '\0' && port == NULL)
            return false;
    } else {
        const char *colon = strchr(d, ':');
        size_t host_len = colon ? (size_t)(colon - d) : strlen(d);
        port = colon ? colon + 1 : NULL;
        if (!host_labels_are_valid(d, host_len))
            return false;
    }
    if (port != NULL && (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5))
        return false;
    return true;
}

static bool tag_is_valid(const char *tag)
{
    size_t n = strlen(tag);
    if (n == 0 || n > REFERENCE_TAG_MAX || !(isalnum((unsigned char)tag[0]) || tag[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-'))
            return false;
    return true;
}

/* Splits "name[:tag]" in place: the tag is after the last ':' that follows the last '/'. */
static char *split_tag(char *name)
{
    char *slash = strrchr(name, '/');
    char *colon = strrchr(slash ? slash : name, ':');
    if (colon == NULL)
        return NULL;
    *colon = '\0';
    return colon + 1;
}

/* Splits "domain/path" into the buffers (each of REFERENCE_TEXT_MAX + 16 bytes): the first component is a
 * registry host when it has a '.' or ':', is "localhost", or has upper case letters
 * (distribution/reference splitDockerDomain). */
static void split_domain(const char *name, char *domain, char *path)
{
    const char *slash = strchr(name, '/');
    bool has_domain = false;
    size_t n = slash ? (size_t)(slash - name) : 0;
    if (slash != NULL) {
        has_domain =
            memchr(name, '.', n) || memchr(name, ':', n) || (n == 9 && !strncmp(name, "localhost", 9));
        for (size_t i = 0; i < n && !has_domain; i++)
            has_domain = isupper((unsigned char)name[i]);
    }
    const char *rest = has_domain ? slash + 1 : name;
    if (has_domain && !(n == 15 && strncmp(name, "index.docker.io", 15) == 0))
        snprintf(domain, REFERENCE_TEXT_MAX + 16, "%.*s", (int)n, name);
    else
        snprintf(domain, REFERENCE_TEXT_MAX + 16, "docker.io");
    bool official = strcmp(domain, "docker.io") == 0 && strchr(rest, '/') == NULL;
    snprintf(path, REFERENCE_TEXT_MAX + 16, "%s%s", official ? "library/" : "", rest);
}

static int invalid(husk_error *err, const char *text, const char *why)
{
    return husk_error_set(err, 0, "InvalidImageName: invalid image reference \"%s\": %s", text, why);
}

static int check_name(const char *text, const char *name, const char *domain, const char *path,
                      husk_error *err)
{
    if (strlen(domain) + 1 + strlen(path) > REFERENCE_NAME_MAX)
        return invalid(err, text, "repository name must not be more than 255 characters");
    if (!domain_is_valid(domain))
        return invalid(err, text, "invalid registry host");
    if (strcspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(path))
        return invalid(err, text, "repository name must be lowercase");
    if (!path_is_valid(path))
        return invalid(err, text, "invalid repository name (allowed: lowercase letters, digits, separators)");
    if (strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64)
        return invalid(err, text,
                       "repository name cannot be 64 hexadecimal characters (that is an image ID)");
    return 0;
}

int image_reference_parse(const char *text, struct image_reference *ret, husk_error *err)
{
    if (text == NULL || text[0] == '\0')
        return invalid(err, "", "the name is empty");
    if (strlen(text) > REFERENCE_TEXT_MAX || strpbrk(text, " \t\r\n") != NULL)
        return invalid(err, text, "contains white space or is too long");
    char name[REFERENCE_TEXT_MAX + 1];
    snprintf(name, sizeof name, "%s", text);
    char *digest = strchr(name, '@');
    if (digest != NULL) {
        *digest++ = '\0';
        if (!image_digest_is_valid(digest))
            return invalid(err, text, "invalid digest (expected sha256: and 64 lowercase hex digits)");
    }
    char *tag = split_tag(name);
    if (tag != NULL && !tag_is_valid(tag))
        return invalid(err, text, "invalid tag");
    if (name[0] == '\0')
        return invalid(err, text, "the repository name is empty");
    char domain[REFERENCE_TEXT_MAX + 16], path[REFERENCE_TEXT_MAX + 16];
    split_domain(name, domain, path);
    if (check_name(text, name, domain, path, err) < 0)
        return -1;
    struct image_reference r = {
        .domain = strdup(domain),
        .path = strdup(path),
        .tag = tag      ? strdup(tag)
               : digest ? NULL
                        : strdup("latest"),
        .digest = digest ? strdup(digest) : NULL,
    };
    if (r.domain == NULL || r.path == NULL || ((tag || !digest) && r.tag == NULL) ||
        (digest && r.digest == NULL)) {
        image_reference_free(&r);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    *ret = r;
    return 0;
}

char *image_reference_repository(const struct image_reference *ref)
{
    char *s = NULL;
    if (asprintf(&s, "%s/%s", ref->domain, ref->path) < 0)
        return NULL;
    return s;
}

char *image_reference_string(const struct image_reference *ref)
{
    char *s = NULL;
    if (asprintf(&s, "%s/%s%s%s%s%s", ref->domain, ref->path, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
                 ref->digest ? "@" : "", ref->digest ? ref->digest : "") < 0)
        return NULL;
    return s;
}

void image_reference_free(struct image_reference *ref)
{
    if (ref == NULL)
        return;
    free(ref->domain);
    free(ref->path);
    free(ref->tag);
    free(ref->digest);
    *ref = (struct image_reference){0};
}
