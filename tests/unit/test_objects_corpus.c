/* The manifest corpora of tests/objects: every valid manifest decodes, validates without a problem (strictly)
 * and survives decode -> default -> encode (YAML and JSON) -> decode unchanged; every invalid manifest gives
 * exactly the message and location its first line expects:
 *   # expect: LINE:COLUMN MESSAGE        the first validation error (after defaulting)
 *   # expect-decode: MESSAGE             the decode error
 *   # strict                             (second line) validate with unknown fields as errors */
#include "harness.h"
#include "objects/decode.h"
#include "objects/defaults.h"
#include "objects/encode.h"
#include "objects/validate.h"

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>

/* tests/objects, found from $HUSK_REPO, the working directory, or this file's path. */
static void corpus_dir(const char *sub, char *buf, size_t size)
{
    const char *repo = getenv("HUSK_REPO");
    struct stat st;
    if (repo != NULL)
        snprintf(buf, size, "%s/tests/objects/%s", repo, sub);
    else if (stat("tests/objects", &st) == 0)
        snprintf(buf, size, "tests/objects/%s", sub);
    else
        snprintf(buf, size, "%.*s/../objects/%s", (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__, sub);
}

static char *read_file(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return NULL;
    char *data = malloc(4 * 1024 * 1024);
    size_t n = data != NULL ? fread(data, 1, 4 * 1024 * 1024 - 1, f) : 0;
    fclose(f);
    if (data != NULL)
        data[n] = '\0';
    *ret_len = n;
    return data;
}

static int list_dir(const char *dir, char names[][256], int max)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (d == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < max;)
        if (e->d_name[0] != '.')
            snprintf(names[n++], 256, "%s", e->d_name);
    closedir(d);
    return n;
}

static bool round_trips(const json_t *object, const char *name)
{
    char *yaml = NULL, *text = NULL;
    size_t len = 0;
    husk_error err = {0};
    struct objects_document_list again = {0};
    bool ok = objects_encode_yaml(object, &yaml, &len, &err) == 0 &&
              objects_decode(yaml, len, name, &again, &err) == 0 && again.count == 1 &&
              json_equal(again.items[0].object, object);
    objects_document_list_free(&again);
    ok = ok && objects_encode_json(object, true, &text, &err) == 0 &&
         objects_decode(text, strlen(text), name, &again, &err) == 0 && again.count == 1 &&
         json_equal(again.items[0].object, object);
    if (!ok)
        fprintf(stderr, "# %s: round trip failed (%s)\n# %s\n", name, err.message, yaml ? yaml : "");
    objects_document_list_free(&again);
    free(yaml);
    free(text);
    return ok;
}

static bool check_valid(const char *dir, const char *name)
{
    char path[1400];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return false;
    size_t len = 0;
    char *data = read_file(path, &len);
    husk_error err = {0};
    struct objects_document_list docs = {0};
    bool ok = data != NULL && objects_decode(data, len, name, &docs, &err) == 0 && docs.count > 0;
    if (!ok)
        fprintf(stderr, "# %s: %s\n", name, err.message);
    for (size_t i = 0; ok && i < docs.count; i++) {
        struct objects_problems problems = {0};
        ok = round_trips(docs.items[i].object, name) && objects_default(docs.items[i].object, &err) == 0 &&
             objects_validate(docs.items[i].object, &docs.items[i].positions, OBJECTS_STRICT_ERROR,
                              &problems) == 0 &&
             problems.count == 0 && round_trips(docs.items[i].object, name);
        for (size_t p = 0; p < problems.count; p++)
            fprintf(stderr, "# %s: %s\n", name, problems.items[p].message);
        objects_problems_free(&problems);
    }
    objects_document_list_free(&docs);
    free(data);
    return ok;
}

TEST(objects_valid_corpus_decodes_validates_and_round_trips)
{
    char dir[1024], names[64][256];
    corpus_dir("valid", dir, sizeof dir);
    int n = list_dir(dir, names, 64);
    CHECK(n >= 15);
    int failed = 0;
    for (int i = 0; i < n; i++)
        failed += !check_valid(dir, names[i]);
    CHECK_INT_EQ(failed, 0);
}

/* Compares one invalid manifest's first error (or decode error) with its expectation. */
static bool check_invalid(const char *dir, const char *name)
{
    char path[1400], got[4096] = "";
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return false;
    size_t len = 0;
    char *data = read_file(path, &len);
    if (data == NULL)
        return false;
    /* The header lines are YAML comments: the whole file is decoded, so lines count as in an editor. */
    char expect[4096];
    bool decode_only = strncmp(data, "# expect-decode: ", 17) == 0;
    const char *text = data + (decode_only ? 17 : 10);
    snprintf(expect, sizeof expect, "%.*s", (int)strcspn(text, "\n"), text);
    const char *second = strchr(data, '\n');
    bool strict = second != NULL && strncmp(second + 1, "# strict\n", 9) == 0;
    husk_error err = {0};
    struct objects_document_list docs = {0};
    int rc = objects_decode(data, len, name, &docs, &err);
    if (rc < 0) {
        snprintf(got, sizeof got, "%s", err.message);
    } else if (!decode_only && docs.count == 1) {
        struct objects_problems problems = {0};
        objects_default(docs.items[0].object, &err);
        objects_validate(docs.items[0].object, &docs.items[0].positions,
                         strict ? OBJECTS_STRICT_ERROR : OBJECTS_STRICT_WARN, &problems);
        const struct objects_problem *first = objects_problems_first_error(&problems);
        if (first != NULL)
            snprintf(got, sizeof got, "%d:%d %s", first->line, first->column, first->message);
        objects_problems_free(&problems);
    }
    objects_document_list_free(&docs);
    bool ok = strcmp(got, expect) == 0 && (decode_only == (rc < 0));
    if (!ok)
        fprintf(stderr, "# %s:\n#   expected %s\n#   got      %s\n", name, expect, got);
    free(data);
    return ok;
}

TEST(objects_invalid_corpus_gives_exact_messages_and_locations)
{
    char dir[1024], names[256][256];
    corpus_dir("invalid", dir, sizeof dir);
    int n = list_dir(dir, names, 256);
    CHECK(n >= 40);
    int failed = 0;
    for (int i = 0; i < n; i++)
        failed += !check_invalid(dir, names[i]);
    CHECK_INT_EQ(failed, 0);
}
