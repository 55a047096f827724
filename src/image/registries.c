/* Parsing registries.yaml with libyaml's document API; see registries.h. */
#include "image/registries.h"
#include "base/cleanup.h"
#include "image/config.h"
#include "image/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#define REGISTRIES_MAX (1 << 20)

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

static char *scalar_dup(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? strdup((const char *)n->data.scalar.value) : NULL;
}

static bool scalar_true(yaml_node_t *n)
{
    const char *v = n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
    return strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "yes") == 0;
}

static int parse_mirror(yaml_document_t *doc, const char *host, yaml_node_t *value,
                        struct image_registry_mirror *m, const char *origin, husk_error *err)
{
    yaml_node_t *eps = map_get(doc, value, "endpoint");
    if (eps == NULL || eps->type != YAML_SEQUENCE_NODE)
        return husk_error_set(err, EINVAL, "%s: mirrors.%s.endpoint must be a list of URLs", origin, host);
    size_t n = (size_t)(eps->data.sequence.items.top - eps->data.sequence.items.start);
    m->host = strdup(host);
    m->endpoints = calloc(n + 1, sizeof *m->endpoints);
    if (m->host == NULL || m->endpoints == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char *url = scalar_dup(yaml_document_get_node(doc, eps->data.sequence.items.start[i]));
        if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
            free(url);
            return husk_error_set(err, EINVAL,
                                  "%s: mirrors.%s.endpoint[%zu] must be an http:// or https:// URL", origin,
                                  host, i);
        }
        /* A trailing slash would double up with the "/v2/" path. */
        size_t len = strlen(url);
        while (len > 0 && url[len - 1] == '/')
            url[--len] = '\0';
        m->endpoints[i] = url;
    }
    return 0;
}

static void parse_host(yaml_document_t *doc, const char *host, yaml_node_t *value,
                       struct image_registry_host *h)
{
    yaml_node_t *auth = map_get(doc, value, "auth");
    h->host = strdup(host);
    h->insecure_skip_verify = scalar_true(map_get(doc, map_get(doc, value, "tls"), "insecure_skip_verify"));
    h->auth.username = scalar_dup(map_get(doc, auth, "username"));
    h->auth.password = scalar_dup(map_get(doc, auth, "password"));
    h->auth.token = scalar_dup(map_get(doc, auth, "identity_token"));
    if (h->auth.token == NULL)
        h->auth.token = scalar_dup(map_get(doc, auth, "token"));
}

static int parse_document(yaml_document_t *doc, struct image_registries *r, const char *origin,
                          husk_error *err)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (root == NULL)
        return 0;
    if (root->type != YAML_MAPPING_NODE)
        return husk_error_set(err, EINVAL, "%s: expected a mapping with mirrors and configs", origin);
    yaml_node_t *sections[2] = {map_get(doc, root, "mirrors"), map_get(doc, root, "configs")};
    for (int s = 0; s < 2; s++) {
        yaml_node_t *map = sections[s];
        if (map == NULL)
            continue;
        if (map->type != YAML_MAPPING_NODE)
            return husk_error_set(err, EINVAL, "%s: %s must be a mapping", origin, s ? "configs" : "mirrors");
        size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
        if (s == 0 && (r->mirrors = calloc(n + 1, sizeof *r->mirrors)) == NULL)
            return husk_error_set(err, ENOMEM, "out of memory");
        if (s == 1 && (r->hosts = calloc(n + 1, sizeof *r->hosts)) == NULL)
            return husk_error_set(err, ENOMEM, "out of memory");
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key), *v = yaml_document_get_node(doc, p->value);
            if (k == NULL || k->type != YAML_SCALAR_NODE)
                return husk_error_set(err, EINVAL, "%s: registry names must be strings", origin);
            const char *host = (const char *)k->data.scalar.value;
            if (s == 0 && parse_mirror(doc, host, v, &r->mirrors[r->n_mirrors++], origin, err) < 0)
                return -1;
            if (s == 1)
                parse_host(doc, host, v, &r->hosts[r->n_hosts++]);
        }
    }
    return 0;
}

int image_registries_parse(const char *text, size_t len, const char *origin, struct image_registries *ret,
                           husk_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    struct image_registries r = {0};
    if (!yaml_parser_initialize(&parser))
        return husk_error_set(err, ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        husk_error_set(err, EINVAL, "%s: invalid YAML at line %zu: %s", origin, parser.problem_mark.line + 1,
                       parser.problem ? parser.problem : "parse error");
        yaml_parser_delete(&parser);
        return -1;
    }
    int rc = parse_document(&doc, &r, origin, err);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc < 0) {
        image_registries_free(&r);
        return -1;
    }
    *ret = r;
    return 0;
}

int image_registries_load(const char *path, struct image_registries *ret, husk_error *err)
{
    bool explicit = path != NULL;
    if (path == NULL && (path = getenv("HUSK_REGISTRIES_CONFIG")) != NULL && path[0] != '\0')
        explicit = true;
    if (!explicit)
        path = IMAGE_REGISTRIES_DEFAULT_PATH;
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (image_read_file_at(AT_FDCWD, path, REGISTRIES_MAX, &text, &len, err) < 0) {
        if (err->code == ENOENT && !explicit) {
            *ret = (struct image_registries){0};
            return 0;
        }
        return husk_error_wrap(err, "reading the registries configuration");
    }
    return image_registries_parse(text, len, path, ret, err);
}

void image_credentials_free(struct image_registry_credentials *c)
{
    free(c->username);
    free(c->password);
    free(c->token);
    *c = (struct image_registry_credentials){0};
}

void image_registries_free(struct image_registries *r)
{
    for (size_t i = 0; i < r->n_mirrors; i++) {
        free(r->mirrors[i].host);
        image_strv_free(r->mirrors[i].endpoints);
    }
    for (size_t i = 0; i < r->n_hosts; i++) {
        free(r->hosts[i].host);
        image_credentials_free(&r->hosts[i].auth);
    }
    free(r->mirrors);
    free(r->hosts);
    *r = (struct image_registries){0};
}

char *const *image_registries_mirrors(const struct image_registries *r, const char *host)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->n_mirrors; i++)
            if (strcmp(r->mirrors[i].host, pass == 0 ? host : "*") == 0)
                return r->mirrors[i].endpoints;
    return NULL;
}

const struct image_registry_host *image_registries_host(const struct image_registries *r, const char *host)
{
    for (size_t i = 0; i < r->n_hosts; i++)
        if (strcmp(r->hosts[i].host, host) == 0)
            return &r->hosts[i];
    return NULL;
}
