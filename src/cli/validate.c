/* `husk validate -f FILE|DIR|- [--strict] [-o yaml|json]`: decodes, defaults and validates manifests as the
 * API server would, printing problems as kubectl does ("The Pod "x" is invalid: spec.containers[0].image:
 * Required value"), each prefixed with FILE:LINE:COLUMN when the manifest is YAML. Exits 0 when every object
 * is valid, 1 when one is not (or cannot be read), 2 on a usage error. */
#include "base/cleanup.h"
#include "cli/cli.h"
#include "objects/decode.h"
#include "objects/defaults.h"
#include "objects/encode.h"
#include "objects/kind.h"
#include "objects/pod.h"
#include "objects/validate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct validate_options {
    enum objects_strictness strict;
    const char *output; /* NULL (a "kind/name valid" line), "yaml" or "json": the defaulted objects */
};

/* Reads all of fd, refusing more than the decoder's limit without reading it all. */
static int read_all(int fd, const char *name, char **ret, size_t *ret_len, husk_error *err)
{
    size_t cap = 65536, len = 0;
    cleanup_free char *data = malloc(cap);
    for (;;) {
        if (data == NULL)
            return husk_error_set(err, ENOMEM, "%s: out of memory", name);
        if (len == cap) {
            if (cap > OBJECTS_MAX_INPUT_BYTES)
                return husk_error_set(err, 0, "%s: the input is more than the limit of %d bytes (3 MiB)",
                                      name, OBJECTS_MAX_INPUT_BYTES);
            char *bigger = realloc(data, cap * 2);
            if (bigger == NULL)
                return husk_error_set(err, ENOMEM, "%s: out of memory", name);
            data = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, data + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return husk_error_set_errno(err, errno, "reading %s", name);
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *ret = steal_pointer(&data);
    *ret_len = len;
    return 0;
}

static void location(const char *source, int line, int column, char *buf, size_t size)
{
    if (line > 0)
        snprintf(buf, size, "%s:%d:%d: ", source, line, column);
    else
        snprintf(buf, size, "%s: ", source);
}

/* kubectl's MultilineError: one cause on the header's line, several as a "* " list below it. */
static void print_problems(const char *source, const json_t *object, const struct objects_problems *problems)
{
    char where[4200], header[600];
    for (size_t i = 0; i < problems->count; i++) {
        const struct objects_problem *p = &problems->items[i];
        location(source, p->line, p->column, where, sizeof where);
        if (p->severity == OBJECTS_SEVERITY_WARNING)
            fprintf(stderr, "%sWarning: %s\n", where, p->message);
    }
    if (problems->errors == 0)
        return;
    if (objects_kind_of(object) == NULL) {
        for (size_t i = 0; i < problems->count; i++) {
            const struct objects_problem *p = &problems->items[i];
            location(source, p->line, p->column, where, sizeof where);
            if (p->severity == OBJECTS_SEVERITY_ERROR)
                fprintf(stderr, "%serror: %s\n", where, p->message);
        }
        return;
    }
    objects_invalid_header(object, header, sizeof header);
    const struct objects_problem *first = objects_problems_first_error(problems);
    if (problems->errors == 1 && first != NULL) {
        location(source, first->line, first->column, where, sizeof where);
        fprintf(stderr, "%s%s: %s\n", where, header, first->message);
        return;
    }
    fprintf(stderr, "%s: \n", header);
    for (size_t i = 0; i < problems->count; i++) {
        const struct objects_problem *p = &problems->items[i];
        location(source, p->line, p->column, where, sizeof where);
        if (p->severity == OBJECTS_SEVERITY_ERROR)
            fprintf(stderr, "* %s%s\n", where, p->message);
    }
}

/* The object as the API server would store it, for -o yaml|json. */
static bool print_object(const json_t *object, const char *output)
{
    husk_error err = {0};
    char *text = NULL;
    size_t len = 0;
    int rc = strcmp(output, "yaml") == 0 ? objects_encode_yaml(object, &text, &len, &err)
                                         : objects_encode_json(object, true, &text, &err);
    if (rc < 0) {
        fprintf(stderr, "error: %s\n", err.message);
        return false;
    }
    printf(strcmp(output, "yaml") == 0 ? "---\n%s" : "%s\n", text);
    free(text);
    return true;
}

static bool validate_document(const char *source, struct objects_document *doc,
                              const struct validate_options *o)
{
    husk_error err = {0};
    if (objects_default(doc->object, &err) < 0) {
        fprintf(stderr, "error: %s: %s\n", source, err.message);
        return false;
    }
    struct objects_problems problems = {0};
    int rc = objects_validate(doc->object, &doc->positions, o->strict, &problems);
    print_problems(source, doc->object, &problems);
    objects_problems_free(&problems);
    if (rc < 0)
        return false;
    if (o->output != NULL)
        return print_object(doc->object, o->output);
    const struct objects_kind *kind = objects_kind_of(doc->object);
    char lower[64];
    snprintf(lower, sizeof lower, "%s", kind->kind);
    for (char *c = lower; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    /* An object named by generateName shows the prefix, as "web-" of the names it will get. */
    const char *name = objects_meta_name(doc->object);
    if (name == NULL || name[0] == '\0')
        name = objects_get_string(objects_get_object(doc->object, "metadata"), "generateName");
    printf("%s%s%s/%s valid\n", lower, kind->group[0] != '\0' ? "." : "", kind->group,
           name != NULL ? name : "");
    return true;
}

/* Validates every object of one file ("-" is stdin); false when any is invalid or unreadable. */
static bool validate_file(const char *path, const struct validate_options *o)
{
    husk_error err = {0};
    const char *source = strcmp(path, "-") == 0 ? "STDIN" : path;
    cleanup_close int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "error: the path \"%s\" cannot be read: %s\n", path, strerror(errno));
        return false;
    }
    cleanup_free char *data = NULL;
    size_t len = 0;
    struct objects_document_list docs = {0};
    if (read_all(fd, source, &data, &len, &err) < 0 || objects_decode(data, len, source, &docs, &err) < 0) {
        fprintf(stderr, "error: %s\n", err.message);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < docs.count; i++)
        ok &= validate_document(source, &docs.items[i], o);
    objects_document_list_free(&docs);
    return ok;
}

static int name_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory is its .yaml, .yml and .json files in name order, as kubectl -f DIR (not recursive). */
static bool validate_dir(const char *path, const struct validate_options *o)
{
    cleanup_closedir DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "error: the path \"%s\" cannot be read: %s\n", path, strerror(errno));
        return false;
    }
    char **names = NULL;
    size_t count = 0;
    bool ok = true;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        const char *dot = strrchr(e->d_name, '.');
        if (dot == NULL ||
            (strcmp(dot, ".yaml") != 0 && strcmp(dot, ".yml") != 0 && strcmp(dot, ".json") != 0))
            continue;
        char **more = realloc(names, (count + 1) * sizeof *names);
        if (more == NULL || asprintf(&more[count], "%s/%s", path, e->d_name) < 0) {
            names = more != NULL ? more : names;
            ok = false;
            break;
        }
        names = more;
        count++;
    }
    if (count > 1)
        qsort(names, count, sizeof *names, name_compare);
    for (size_t i = 0; i < count; i++) {
        ok &= validate_file(names[i], o);
        free(names[i]);
    }
    free(names);
    return ok;
}

int cli_cmd_validate(int argc, char **argv)
{
    struct validate_options o = {OBJECTS_STRICT_WARN, NULL};
    const char *paths[64];
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--strict") == 0 || strcmp(arg, "--validate=strict") == 0) {
            o.strict = OBJECTS_STRICT_ERROR;
        } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
            if (i + 1 >= argc || (strcmp(argv[i + 1], "yaml") != 0 && strcmp(argv[i + 1], "json") != 0))
                return cli_usage_error("validate", "%s takes yaml or json", arg);
            o.output = argv[++i];
        } else if (strcmp(arg, "-f") == 0 || strcmp(arg, "--filename") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("validate", "%s needs a file, a directory or -", arg);
            if (count == sizeof paths / sizeof *paths)
                return cli_usage_error("validate", "too many -f flags (at most 64)");
            paths[count++] = argv[++i];
        } else if (strncmp(arg, "--filename=", 11) == 0 && count < sizeof paths / sizeof *paths) {
            paths[count++] = arg + 11;
        } else {
            return cli_usage_error("validate", "unknown argument '%s'", arg);
        }
    }
    if (count == 0)
        return cli_usage_error("validate", "must specify one of -f and -k (a file, a directory or -)");
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        struct stat st = {0};
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) < 0) {
            fprintf(stderr, "error: the path \"%s\" does not exist\n", paths[i]);
            ok = false;
        } else if (strcmp(paths[i], "-") != 0 && S_ISDIR(st.st_mode)) {
            ok &= validate_dir(paths[i], &o);
        } else {
            ok &= validate_file(paths[i], &o);
        }
    }
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}
