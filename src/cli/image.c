/* `husk image SUBVERB`: pull, load, save, ls, rm, inspect and prune images in the local store. */
#include "base/cleanup.h"
#include "cli/cli.h"
#include "image/archive.h"
#include "image/image.h"
#include "image/pull_process.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_DATA_DIR "/var/lib/husk"

struct image_flags {
    const char *data_dir, *input, *output, *registries_config, *authfile, *pull_policy;
    bool quiet;
    char **args; /* the positional arguments */
    int n_args;
};

/* Matches "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i past a separate value. */
static int flag_value(int argc, char **argv, int *i, const char *name, const char **ret)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *ret = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *ret = argv[++*i];
    return 1;
}

static int parse_flags(int argc, char **argv, struct image_flags *f)
{
    static const char *names[] = {"--data-dir",          "--input",    "-i",           "--output", "-o",
                                  "--registries-config", "--authfile", "--pull-policy"};
    const char **slots[] = {&f->data_dir,          &f->input,    &f->input,      &f->output, &f->output,
                            &f->registries_config, &f->authfile, &f->pull_policy};
    f->data_dir = DEFAULT_DATA_DIR;
    f->args = calloc((size_t)argc + 1, sizeof *f->args);
    if (f->args == NULL)
        return cli_fail("out of memory");
    for (int i = 2; i < argc; i++) {
        int matched = 0;
        for (size_t k = 0; k < sizeof names / sizeof names[0] && matched == 0; k++)
            matched = flag_value(argc, argv, &i, names[k], slots[k]);
        if (matched < 0)
            return cli_usage_error("image", "%s needs a value", argv[i]);
        if (matched > 0)
            continue;
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            f->quiet = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error("image", "unknown flag '%s'", argv[i]);
        else
            f->args[f->n_args++] = argv[i];
    }
    return 0;
}

static void human_size(long long bytes, char *out, size_t size)
{
    /* Decimal units, as `docker images` prints them. */
    const char *units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1000 && u < 4)
        v /= 1000, u++;
    snprintf(out, size, u == 0 ? "%.0f%s" : "%.3g%s", v, units[u]);
}

static void show_progress(void *data, long long done, long long total, int blobs_done, int blobs_total)
{
    char d[32], t[32];
    human_size(done, d, sizeof d);
    human_size(total, t, sizeof t);
    fprintf(stderr, "\r%s: %d/%d blobs, %s/%s   ", (const char *)data, blobs_done, blobs_total, d, t);
}

/* `pull --pull-policy POLICY`: the daemon's pull child (image/pull_process.h), image_ensure by the policy,
 * failing with the exit status of its IMAGE_ERR_* code. */
static int cmd_ensure(struct image_store *s, const struct image_flags *f, const struct image_pull_options *o)
{
    enum image_pull_policy policy;
    if (image_pull_policy_parse(f->pull_policy, &policy) < 0)
        return cli_usage_error("image", "--pull-policy must be Always, IfNotPresent or Never");
    struct image *img;
    husk_error err = {0};
    int rc = image_ensure(s, f->args[0], policy, o, &img, &err);
    if (rc < 0) {
        cli_fail("%s", err.message);
        return image_pull_exit_status(rc);
    }
    printf("%s\n%s\n", img->record.name, img->record.config_digest);
    image_free(img);
    return CLI_EXIT_OK;
}

static int cmd_pull(struct image_store *s, const struct image_flags *f)
{
    if (f->n_args != 1)
        return cli_usage_error("image", "pull takes one image name");
    bool tty = !f->quiet && isatty(STDERR_FILENO);
    struct image_pull_options o = {.registries_config = f->registries_config,
                                   .authfile = f->authfile,
                                   .progress = tty ? show_progress : NULL,
                                   .progress_data = f->args[0]};
    if (f->pull_policy != NULL)
        return cmd_ensure(s, f, &o);
    struct image_record r;
    husk_error err = {0};
    int rc = image_pull(s, f->args[0], &o, &r, &err);
    if (tty)
        fputc('\n', stderr);
    if (rc < 0)
        return cli_fail("%s", err.message);
    printf("%s\n%s\n", r.name, r.config_digest);
    image_record_free(&r);
    return CLI_EXIT_OK;
}

static int cmd_load(struct image_store *s, const struct image_flags *f)
{
    if (f->input == NULL || f->n_args != 0)
        return cli_usage_error("image", "load needs -i FILE and no other arguments");
    char **names = NULL;
    husk_error err = {0};
    if (image_archive_load(s, f->input, &names, &err) < 0)
        return cli_fail("%s", err.message);
    for (char **n = names; *n != NULL; n++)
        printf("Loaded image: %s\n", *n);
    image_strv_free(names);
    return CLI_EXIT_OK;
}

static int cmd_save(struct image_store *s, const struct image_flags *f)
{
    if (f->output == NULL || f->n_args == 0)
        return cli_usage_error("image", "save needs -o FILE and at least one image");
    husk_error err = {0};
    if (image_archive_save(s, f->args, f->output, &err) < 0)
        return cli_fail("%s", err.message);
    return CLI_EXIT_OK;
}

static int cmd_ls(struct image_store *s, const struct image_flags *f)
{
    struct image_record *list;
    size_t n;
    husk_error err = {0};
    if (f->n_args != 0)
        return cli_usage_error("image", "ls takes no arguments");
    if (image_store_list_records(s, &list, &n, &err) < 0)
        return cli_fail("%s", err.message);
    if (!f->quiet)
        printf("%-40s %-20s %-14s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "SIZE");
    for (size_t i = 0; i < n; i++) {
        char repo[512] = "<none>", size[32];
        const char *tag = "<none>";
        if (list[i].name != NULL) {
            snprintf(repo, sizeof repo, "%s", list[i].name);
            char *at = strchr(repo, '@');
            if (at != NULL)
                *at = '\0';
            char *slash = strrchr(repo, '/'), *colon = strrchr(slash ? slash : repo, ':');
            if (colon != NULL)
                *colon = '\0', tag = list[i].name + (colon - repo) + 1;
            if (at != NULL && colon == NULL)
                tag = "<none>";
        }
        human_size(list[i].size, size, sizeof size);
        if (f->quiet)
            printf("%.12s\n", list[i].config_digest + 7);
        else
            printf("%-40s %-20.*s %-14.12s %s\n", repo, (int)strcspn(tag, "@"), tag,
                   list[i].config_digest + 7, size);
    }
    image_record_list_free(list, n);
    return CLI_EXIT_OK;
}

static int cmd_rm(struct image_store *s, const struct image_flags *f)
{
    if (f->n_args == 0)
        return cli_usage_error("image", "rm needs at least one image");
    husk_error err = {0};
    for (int i = 0; i < f->n_args; i++) {
        if (image_store_lock(s, true, &err) < 0)
            return cli_fail("%s", err.message);
        int rc = image_store_remove_record(s, f->args[i], &err);
        image_store_unlock(s);
        if (rc < 0)
            return cli_fail("removing %s: %s", f->args[i], err.message);
        printf("Untagged: %s\n", f->args[i]);
    }
    size_t removed = 0;
    if (image_store_gc(s, &removed, &err) < 0)
        return cli_fail("%s", err.message);
    return CLI_EXIT_OK;
}

static int cmd_prune(struct image_store *s, const struct image_flags *f)
{
    if (f->n_args != 0)
        return cli_usage_error("image", "prune takes no arguments");
    size_t removed = 0;
    husk_error err = {0};
    if (image_store_gc(s, &removed, &err) < 0)
        return cli_fail("%s", err.message);
    printf("Removed %zu unreferenced blobs and layers\n", removed);
    return CLI_EXIT_OK;
}

/* One image as `docker image inspect` shows it (the fields the runtime cares about). */
static json_t *inspect_one(struct image_store *s, const char *key, husk_error *err)
{
    struct image *img;
    struct image_record *list;
    size_t n;
    if (image_get(s, key, &img, err) < 0 || image_store_list_records(s, &list, &n, err) < 0)
        return NULL;
    json_t *tags = json_array(), *digests = json_array(), *layers = json_array();
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].config_digest, img->record.config_digest) != 0)
            continue;
        if (list[i].name != NULL)
            json_array_append_new(tags, json_string(list[i].name));
        if (list[i].repo_digest != NULL)
            json_array_append_new(digests, json_string(list[i].repo_digest));
    }
    image_record_list_free(list, n);
    for (size_t i = 0; i < img->record.n_layers; i++)
        json_array_append_new(layers,
                              json_pack("{s:s, s:s, s:I, s:s}", "digest", img->record.layers[i].digest,
                                        "diffId", img->record.layers[i].diff_id, "size",
                                        (json_int_t)img->record.layers[i].size, "path", img->layer_dirs[i]));
    cleanup_free char *config_text = NULL;
    size_t len;
    json_t *config = NULL;
    if (image_store_read_blob(s, img->record.config_digest, 8 << 20, &config_text, &len, err) == 0)
        config = json_loadb(config_text, len, 0, NULL);
    json_t *out =
        json_pack("{s:s, s:o, s:o, s:s, s:o, s:o, s:I}", "id", img->record.config_digest, "repoTags", tags,
                  "repoDigests", digests, "manifest", img->record.manifest_digest, "config",
                  config ? config : json_null(), "layers", layers, "size", (json_int_t)img->record.size);
    image_free(img);
    return out;
}

static int cmd_inspect(struct image_store *s, const struct image_flags *f)
{
    if (f->n_args == 0)
        return cli_usage_error("image", "inspect needs at least one image");
    json_t *all = json_array();
    husk_error err = {0};
    for (int i = 0; i < f->n_args; i++) {
        json_t *one = inspect_one(s, f->args[i], &err);
        if (one == NULL) {
            json_decref(all);
            return cli_fail("%s", err.message);
        }
        json_array_append_new(all, one);
    }
    char *text = json_dumps(all, JSON_INDENT(2));
    json_decref(all);
    if (text != NULL)
        puts(text);
    free(text);
    return CLI_EXIT_OK;
}

int cli_cmd_image(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(struct image_store *, const struct image_flags *);
    } subverbs[] = {{"pull", cmd_pull}, {"load", cmd_load}, {"save", cmd_save},       {"ls", cmd_ls},
                    {"list", cmd_ls},   {"rm", cmd_rm},     {"inspect", cmd_inspect}, {"prune", cmd_prune}};
    if (argc < 2)
        return cli_usage_error("image", "expected a subverb: pull, load, save, ls, rm, inspect or prune");
    for (size_t i = 0; i < sizeof subverbs / sizeof subverbs[0]; i++) {
        if (strcmp(argv[1], subverbs[i].name) != 0)
            continue;
        struct image_flags f = {0};
        int rc = parse_flags(argc, argv, &f);
        struct image_store *s = NULL;
        husk_error err = {0};
        if (rc == 0 && image_store_open(f.data_dir, &s, &err) < 0)
            rc = cli_fail("%s", err.message);
        if (rc == 0)
            rc = subverbs[i].run(s, &f);
        image_store_close(s);
        free(f.args);
        return rc;
    }
    return cli_usage_error("image", "unknown subverb '%s'", argv[1]);
}
