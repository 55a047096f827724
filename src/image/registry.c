/* Registry requests for manifests and authentication; see registry.h. Blob downloads are in
 * registry_blobs.c. */
#include "image/registry.h"
#include "base/base64.h"
#include "base/cleanup.h"
#include "image/auth.h"
#include "image/registry_internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TOKEN_MAX (1 << 20)

bool registry_host_is_loopback(const char *host)
{
    if (strncmp(host, "[::1]", 5) == 0 || strcmp(host, "::1") == 0)
        return true;
    size_t n = strcspn(host, ":");
    if (n == 9 && strncmp(host, "localhost", 9) == 0)
        return true;
    return strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == n;
}

/* "http://127.0.0.1:5000/prefix" → "127.0.0.1:5000" */
static void url_host(const char *url, char *out, size_t size)
{
    const char *s = strstr(url, "://");
    s = s ? s + 3 : url;
    snprintf(out, size, "%.*s", (int)strcspn(s, "/"), s);
}

int registry_client_init(struct registry_client *c, const char *base, const char *repository,
                         const struct image_registries *regs, const char *authfile, husk_error *err)
{
    *c = (struct registry_client){0};
    char host[256];
    url_host(base, host, sizeof host);
    c->base = strdup(base);
    c->repository = strdup(repository);
    if (c->base == NULL || c->repository == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    const struct image_registry_host *h = regs ? image_registries_host(regs, host) : NULL;
    if (h != NULL) {
        c->insecure_skip_verify = h->insecure_skip_verify;
        c->creds.username = h->auth.username ? strdup(h->auth.username) : NULL;
        c->creds.password = h->auth.password ? strdup(h->auth.password) : NULL;
        c->creds.token = h->auth.token ? strdup(h->auth.token) : NULL;
    }
    if (c->creds.username == NULL && c->creds.token == NULL &&
        image_auth_from_docker_config(authfile, host, &c->creds, err) < 0)
        return -1;
    if (c->creds.token != NULL && asprintf(&c->authorization, "Bearer %s", c->creds.token) < 0)
        c->authorization = NULL;
    return 0;
}

void registry_client_free(struct registry_client *c)
{
    free(c->base);
    free(c->repository);
    free(c->authorization);
    image_credentials_free(&c->creds);
    *c = (struct registry_client){0};
}

void registry_response_free(struct registry_response *r)
{
    free(r->body);
    free(r->content_type);
    *r = (struct registry_response){0};
}

static size_t collect_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct registry_buffer *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n > b->max)
        return 0; /* aborts the transfer: a limit on what a registry may make us hold */
    char *bigger = realloc(b->data, b->len + n + 1);
    if (bigger == NULL)
        return 0;
    b->data = bigger;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static size_t collect_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct registry_buffer *b = userdata;
    size_t n = size * nmemb;
    static const struct {
        const char *name;
        size_t offset;
    } wanted[] = {{"www-authenticate:", offsetof(struct registry_buffer, www_authenticate)},
                  {"content-type:", offsetof(struct registry_buffer, content_type)}};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        size_t k = strlen(wanted[i].name);
        if (n > k && strncasecmp(data, wanted[i].name, k) == 0) {
            char **slot = (char **)((char *)b + wanted[i].offset);
            const char *v = data + k;
            size_t len = n - k;
            while (len > 0 && (*v == ' ' || *v == '\t'))
                v++, len--;
            while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
                len--;
            free(*slot);
            *slot = strndup(v, len);
        }
    }
    return n;
}

void registry_setup_easy(CURL *curl, const struct registry_client *c, const char *url)
{
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
    /* A registry that stops sending for 30 s is treated as gone (and the transfer retried). */
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "husk/" HUSK_VERSION);
    if (c->insecure_skip_verify) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

void registry_buffer_free(struct registry_buffer *b)
{
    free(b->data);
    free(b->www_authenticate);
    free(b->content_type);
    *b = (struct registry_buffer){0};
}

/* One GET into memory; fills *ret_status. */
static int get_once(const struct registry_client *c, const char *url, const char *accept,
                    const char *basic_user, struct registry_buffer *b, long *ret_status, husk_error *err)
{
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    struct curl_slist *headers = NULL;
    char auth[8192];
    if (accept != NULL)
        headers = curl_slist_append(headers, accept);
    if (c->authorization != NULL && basic_user == NULL) {
        snprintf(auth, sizeof auth, "Authorization: %s", c->authorization);
        headers = curl_slist_append(headers, auth);
    }
    registry_setup_easy(curl, c, url);
    if (basic_user != NULL) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, basic_user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, c->creds.password ? c->creds.password : "");
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, b);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, ret_status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc == CURLE_WRITE_ERROR)
        return husk_error_set(err, EFBIG, "GET %s: the response is larger than %zu bytes", url, b->max);
    if (rc != CURLE_OK)
        return husk_error_set(err, EIO, "GET %s: %s", url, curl_easy_strerror(rc));
    return 0;
}

static int fetch_token(struct registry_client *c, const struct image_auth_challenge *ch, husk_error *err)
{
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    char *service = ch->service ? curl_easy_escape(curl, ch->service, 0) : NULL;
    char *scope = ch->scope ? curl_easy_escape(curl, ch->scope, 0) : NULL;
    curl_easy_cleanup(curl);
    cleanup_free char *url = NULL;
    int n = asprintf(&url, "%s%sservice=%s&scope=%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?",
                     service ? service : "", scope ? scope : "");
    curl_free(service);
    curl_free(scope);
    if (n < 0)
        return husk_error_set(err, ENOMEM, "out of memory");
    struct registry_buffer b = {.max = TOKEN_MAX};
    long status = 0;
    int rc = get_once(c, url, "Accept: application/json", c->creds.username, &b, &status, err);
    if (rc == 0 && status != 200)
        rc = husk_error_set(err, EACCES, "the token server %s answered HTTP %ld%s", ch->realm, status,
                            c->creds.username ? " (are the credentials right?)" : "");
    json_t *j = rc == 0 ? json_loads(b.data ? b.data : "", 0, NULL) : NULL;
    const char *token = json_string_value(json_object_get(j, "token"));
    if (token == NULL)
        token = json_string_value(json_object_get(j, "access_token"));
    if (rc == 0 && token == NULL)
        rc = husk_error_set(err, EACCES, "the token server %s sent no token", ch->realm);
    if (rc == 0) {
        free(c->authorization);
        if (asprintf(&c->authorization, "Bearer %s", token) < 0)
            c->authorization = NULL;
    }
    json_decref(j);
    registry_buffer_free(&b);
    return rc;
}

static int basic_authorization(struct registry_client *c, husk_error *err)
{
    if (c->creds.username == NULL)
        return husk_error_set(err, EACCES,
                              "the registry wants credentials (basic auth) and none are configured");
    cleanup_free char *plain = NULL;
    int n = asprintf(&plain, "%s:%s", c->creds.username, c->creds.password ? c->creds.password : "");
    if (n < 0)
        return husk_error_set(err, ENOMEM, "out of memory");
    cleanup_free char *b64 = husk_base64_encode_alloc(plain, (size_t)n);
    if (b64 == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    free(c->authorization);
    if (asprintf(&c->authorization, "Basic %s", b64) < 0)
        c->authorization = NULL;
    return 0;
}

/* Answers a 401: the Bearer token flow, or basic credentials. */
static int authenticate(struct registry_client *c, const char *www_authenticate, husk_error *err)
{
    if (www_authenticate == NULL)
        return husk_error_set(err, EACCES, "the registry answered 401 without a WWW-Authenticate challenge");
    struct image_auth_challenge ch;
    if (image_auth_parse_challenge(www_authenticate, &ch, err) < 0)
        return -1;
    int rc = strcasecmp(ch.scheme, "Bearer") == 0 ? fetch_token(c, &ch, err)
             : strcasecmp(ch.scheme, "Basic") == 0
                 ? basic_authorization(c, err)
                 : husk_error_set(err, ENOTSUP, "unsupported auth scheme \"%s\"", ch.scheme);
    image_auth_challenge_free(&ch);
    return rc;
}

int registry_get_manifest(struct registry_client *c, const char *reference, struct registry_response *ret,
                          husk_error *err)
{
    cleanup_free char *url = NULL;
    if (asprintf(&url, "%s/v2/%s/manifests/%s", c->base, c->repository, reference) < 0)
        return husk_error_set(err, ENOMEM, "out of memory");
    static const char accept[] = "Accept: " IMAGE_MEDIA_OCI_MANIFEST ", " IMAGE_MEDIA_OCI_INDEX
                                 ", " IMAGE_MEDIA_DOCKER_MANIFEST ", " IMAGE_MEDIA_DOCKER_LIST;
    for (int attempt = 0;; attempt++) {
        struct registry_buffer b = {.max = IMAGE_MANIFEST_MAX};
        long status = 0;
        if (get_once(c, url, accept, NULL, &b, &status, err) < 0) {
            registry_buffer_free(&b);
            return -1;
        }
        if (status == 401 && attempt == 0) {
            int rc = authenticate(c, b.www_authenticate, err);
            registry_buffer_free(&b);
            if (rc < 0)
                return husk_error_wrap(err, "authenticating to %s", c->base);
            continue;
        }
        if (status != 200) {
            registry_buffer_free(&b);
            return husk_error_set(err, status == 404 ? ENOENT : EIO, "GET %s: HTTP %ld%s", url, status,
                                  status == 404 ? " (manifest unknown: no such image or tag)"
                                  : status == 401 || status == 403 ? " (access denied)"
                                                                   : "");
        }
        *ret = (struct registry_response){.body = b.data, .len = b.len, .content_type = b.content_type};
        free(b.www_authenticate);
        return 0;
    }
}
