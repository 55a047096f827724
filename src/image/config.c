/* Image config parsing and the container command rules; see config.h. */
#include "image/config.h"
#include "image/manifest.h"
#include "image/reference.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

void image_strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p != NULL; p++)
        free(*p);
    free(v);
}

size_t image_strv_length(char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

/* A JSON array of strings as a NULL-terminated vector; null/absent gives NULL. */
static int strv_from_json(json_t *a, const char *field, char ***ret, husk_error *err)
{
    *ret = NULL;
    if (a == NULL || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return husk_error_set(err, EBADMSG, "image config: %s is not a list", field);
    char **v = calloc(json_array_size(a) + 1, sizeof *v);
    if (v == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e)
    {
        if (!json_is_string(e) || (v[i] = strdup(json_string_value(e))) == NULL) {
            image_strv_free(v);
            return husk_error_set(err, EBADMSG, "image config: %s[%zu] is not a string", field, i);
        }
    }
    *ret = v;
    return 0;
}

static char *string_field(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && s[0] ? strdup(s) : NULL;
}

static int exposed_ports(json_t *o, char ***ret, husk_error *err)
{
    *ret = NULL;
    if (o == NULL || json_is_null(o))
        return 0;
    if (!json_is_object(o))
        return husk_error_set(err, EBADMSG, "image config: ExposedPorts is not an object");
    char **v = calloc(json_object_size(o) + 1, sizeof *v);
    if (v == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    size_t n = 0;
    const char *key;
    json_t *value;
    json_object_foreach(o, key, value) v[n++] = strdup(key);
    *ret = v;
    return 0;
}

static int parse_fields(json_t *j, struct image_config *c, husk_error *err)
{
    json_t *cfg = json_object_get(j, "config");
    c->os = string_field(j, "os");
    c->architecture = string_field(j, "architecture");
    if (strv_from_json(json_object_get(cfg, "Entrypoint"), "Entrypoint", &c->entrypoint, err) < 0 ||
        strv_from_json(json_object_get(cfg, "Cmd"), "Cmd", &c->cmd, err) < 0 ||
        strv_from_json(json_object_get(cfg, "Env"), "Env", &c->env, err) < 0 ||
        exposed_ports(json_object_get(cfg, "ExposedPorts"), &c->exposed_ports, err) < 0 ||
        strv_from_json(json_object_get(json_object_get(j, "rootfs"), "diff_ids"), "rootfs.diff_ids",
                       &c->diff_ids, err) < 0)
        return -1;
    c->working_dir = string_field(cfg, "WorkingDir");
    c->user = string_field(cfg, "User");
    c->stop_signal = string_field(cfg, "StopSignal");
    c->n_diff_ids = image_strv_length(c->diff_ids);
    for (size_t i = 0; c->diff_ids != NULL && i < c->n_diff_ids; i++)
        if (!image_digest_is_valid(c->diff_ids[i]))
            return husk_error_set(err, EBADMSG, "image config: rootfs.diff_ids[%zu] is not a sha256 digest",
                                  i);
    return 0;
}

int image_config_parse(const char *data, size_t len, struct image_config *ret, husk_error *err)
{
    if (len > IMAGE_CONFIG_MAX)
        return husk_error_set(err, EFBIG, "the image config is larger than %d bytes", IMAGE_CONFIG_MAX);
    json_error_t jerr;
    json_t *j = json_loadb(data, len, 0, &jerr);
    if (!json_is_object(j)) {
        json_decref(j);
        return husk_error_set(err, EBADMSG, "the image config is not a JSON object: %s", jerr.text);
    }
    struct image_config c = {0};
    int rc = parse_fields(j, &c, err);
    json_decref(j);
    if (rc < 0) {
        image_config_free(&c);
        return -1;
    }
    *ret = c;
    return 0;
}

void image_config_free(struct image_config *c)
{
    if (c == NULL)
        return;
    free(c->os);
    free(c->architecture);
    image_strv_free(c->entrypoint);
    image_strv_free(c->cmd);
    image_strv_free(c->env);
    free(c->working_dir);
    free(c->user);
    free(c->stop_signal);
    image_strv_free(c->exposed_ports);
    image_strv_free(c->diff_ids);
    *c = (struct image_config){0};
}

static int append_all(char **out, size_t *n, char *const *in)
{
    for (size_t i = 0; in != NULL && in[i] != NULL; i++)
        if ((out[(*n)++] = strdup(in[i])) == NULL)
            return -1;
    return 0;
}

int image_container_command(const struct image_config *c, char *const *command, char *const *args,
                            char ***ret_argv, husk_error *err)
{
    bool has_command = image_strv_length(command) > 0, has_args = image_strv_length(args) > 0;
    char *const *first = has_command ? command : c->entrypoint;
    /* command without args drops the image's CMD; args always replace it. */
    char *const *second = has_args ? args : has_command ? NULL : c->cmd;
    size_t total = image_strv_length(first) + image_strv_length(second), n = 0;
    if (total == 0)
        return husk_error_set(err, EINVAL,
                              "no command specified: the image has no ENTRYPOINT or CMD and the "
                              "container sets no command or args");
    char **argv = calloc(total + 1, sizeof *argv);
    if (argv == NULL || append_all(argv, &n, first) < 0 || append_all(argv, &n, second) < 0) {
        image_strv_free(argv);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    *ret_argv = argv;
    return 0;
}
