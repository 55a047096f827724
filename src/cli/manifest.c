/* See manifest.h. */
#include "cli/manifest.h"
#include "base/cleanup.h"
#include "cli/cli.h"
#include "objects/decode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Reads all of fd, up to the decoder's limit. */
static char *read_all(int fd, const char *source, size_t *ret_len)
{
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap + 1);
    ssize_t n;
    while (buf != NULL && (n = read(fd, buf + len, cap - len)) > 0) {
        len += (size_t)n;
        if (len > OBJECTS_MAX_INPUT_BYTES) {
            fprintf(stderr, "error: %s is larger than %d bytes\n", source, OBJECTS_MAX_INPUT_BYTES);
            free(buf);
            return NULL;
        }
        if (len == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap + 1);
            if (grown == NULL)
                free(buf);
            buf = grown;
        }
    }
    if (buf != NULL)
        buf[len] = '\0';
    *ret_len = len;
    return buf;
}

static int each_in_file(const struct cli_opts *o, const char *path, cli_document_fn fn)
{
    cleanup_close int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "error: the path \"%s\" cannot be read: %s\n", path, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    size_t len = 0;
    cleanup_free char *data = read_all(fd, path, &len);
    if (data == NULL)
        return CLI_EXIT_FAILURE;
    struct objects_document_list docs = {0};
    husk_error err = {0};
    if (objects_decode(data, len, path, &docs, &err) < 0) {
        fprintf(stderr, "error: %s\n", err.message);
        return CLI_EXIT_FAILURE;
    }
    int status = CLI_EXIT_OK;
    for (size_t i = 0; i < docs.count; i++)
        if (fn(o, docs.items[i].object, path) != CLI_EXIT_OK)
            status = CLI_EXIT_FAILURE;
    objects_document_list_free(&docs);
    return status;
}

static int manifest_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    if (d->d_name[0] == '.')
        return 0;
    return (n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(d->d_name + n - 4, ".yml") == 0) ||
           (n > 5 && strcmp(d->d_name + n - 5, ".json") == 0);
}

static int each_in_dir(const struct cli_opts *o, const char *dir, cli_document_fn fn)
{
    struct dirent **entries = NULL;
    int n = scandir(dir, &entries, manifest_filter, alphasort);
    if (n < 0) {
        fprintf(stderr, "error: cannot read %s: %s\n", dir, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    int status = CLI_EXIT_OK;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, entries[i]->d_name);
        if (each_in_file(o, path, fn) != CLI_EXIT_OK)
            status = CLI_EXIT_FAILURE;
        free(entries[i]);
    }
    free(entries);
    if (n == 0) {
        fprintf(stderr, "error: no objects passed to apply\n");
        return CLI_EXIT_FAILURE;
    }
    return status;
}

int cli_manifest_each(const struct cli_opts *o, cli_document_fn fn)
{
    int status = CLI_EXIT_OK;
    for (int i = 0; i < o->nfiles; i++) {
        struct stat st = {0};
        const char *path = o->files[i];
        int r;
        if (strcmp(path, "-") != 0 && stat(path, &st) < 0) {
            fprintf(stderr, "error: the path \"%s\" does not exist\n", path);
            r = CLI_EXIT_FAILURE;
        } else if (strcmp(path, "-") != 0 && S_ISDIR(st.st_mode)) {
            r = each_in_dir(o, path, fn);
        } else {
            r = each_in_file(o, path, fn);
        }
        if (r != CLI_EXIT_OK)
            status = CLI_EXIT_FAILURE;
    }
    return status;
}

int cli_manifest_target(const struct cli_opts *o, const json_t *obj, const char *source,
                        const struct objects_kind **ret_kind, const char **ret_ns, const char **ret_name)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    const struct objects_kind *kind = objects_kind_of(obj);
    if (kind == NULL) {
        const char *k = json_string_value(json_object_get(obj, "kind"));
        const char *v = json_string_value(json_object_get(obj, "apiVersion"));
        fprintf(stderr,
                "error: resource mapping not found for name: \"%s\" namespace: \"%s\" from \"%s\": no "
                "matches for "
                "kind \"%s\" in version \"%s\"\n",
                name ? name : "", ns ? ns : "", source, k ? k : "", v ? v : "");
        return -1;
    }
    if (name == NULL || name[0] == '\0') {
        fprintf(stderr,
                "error: error when retrieving current configuration of %s from \"%s\": resource name may not "
                "be empty\n",
                kind->kind, source);
        return -1;
    }
    if (kind->namespaced && ns != NULL && o->ns != NULL && strcmp(ns, o->ns) != 0) {
        fprintf(stderr,
                "error: the namespace from the provided object \"%s\" does not match the namespace \"%s\". "
                "You must "
                "pass '--namespace=%s' to perform this operation.\n",
                ns, o->ns, ns);
        return -1;
    }
    *ret_kind = kind;
    *ret_ns = kind->namespaced ? (ns && ns[0] ? ns : cli_namespace(o)) : NULL;
    *ret_name = name;
    return 0;
}
