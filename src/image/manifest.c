/* Parsing manifests and indexes; see manifest.h. */
#include "image/manifest.h"
#include "base/cleanup.h"
#include "image/reference.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/utsname.h>

static void descriptor_free(struct image_descriptor *d)
{
    free(d->media_type);
    free(d->os);
    free(d->architecture);
    free(d->variant);
    free(d->ref_name);
    *d = (struct image_descriptor){0};
}

void image_manifest_free(struct image_manifest *m)
{
    if (m == NULL)
        return;
    descriptor_free(&m->config);
    for (size_t i = 0; i < m->n_entries; i++)
        descriptor_free(&m->entries[i]);
    free(m->entries);
    free(m->media_type);
    *m = (struct image_manifest){0};
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int descriptor_parse(json_t *j, const char *what, struct image_descriptor *d, husk_error *err)
{
    const char *media = NULL, *digest = NULL, *os = NULL, *arch = NULL, *variant = NULL;
    json_int_t size = -1;
    json_t *annotations = NULL;
    if (json_unpack(j, "{s?s, s:s, s:I, s?{s?s, s?s, s?s}, s?o}", "mediaType", &media, "digest", &digest,
                    "size", &size, "platform", "os", &os, "architecture", &arch, "variant", &variant,
                    "annotations", &annotations) < 0)
        return husk_error_set(err, EBADMSG, "%s: a descriptor lacks its digest or size", what);
    if (!image_digest_is_valid(digest) || size < 0)
        return husk_error_set(err, EBADMSG, "%s: invalid descriptor digest \"%s\" or size", what, digest);
    const char *ref = json_string_value(json_object_get(annotations, "io.containerd.image.name"));
    if (ref == NULL)
        ref = json_string_value(json_object_get(annotations, "org.opencontainers.image.ref.name"));
    memcpy(d->digest, digest, IMAGE_DIGEST_STRING_SIZE);
    d->size = size;
    d->media_type = dup_or_null(media);
    d->os = dup_or_null(os);
    d->architecture = dup_or_null(arch);
    d->variant = dup_or_null(variant);
    d->ref_name = dup_or_null(ref);
    return 0;
}

static int entries_parse(json_t *array, const char *what, struct image_manifest *m, husk_error *err)
{
    if (!json_is_array(array))
        return husk_error_set(err, EBADMSG, "%s: \"%s\" is not a list", what, what);
    m->entries = calloc(json_array_size(array) + 1, sizeof *m->entries);
    if (m->entries == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(array, i, e)
    {
        m->n_entries = i + 1;
        if (descriptor_parse(e, what, &m->entries[i], err) < 0)
            return -1;
    }
    return 0;
}

static int manifest_parse_json(json_t *j, struct image_manifest *m, husk_error *err)
{
    const char *media = json_string_value(json_object_get(j, "mediaType"));
    json_int_t schema = json_integer_value(json_object_get(j, "schemaVersion"));
    if (schema == 1)
        return husk_error_set(err, ENOTSUP,
                              "Docker schema 1 manifests are not supported (deprecated since 2019)");
    m->media_type = dup_or_null(media);
    json_t *manifests = json_object_get(j, "manifests");
    if ((media && (!strcmp(media, IMAGE_MEDIA_OCI_INDEX) || !strcmp(media, IMAGE_MEDIA_DOCKER_LIST))) ||
        (media == NULL && manifests != NULL)) {
        m->is_index = true;
        return entries_parse(manifests, "manifests", m, err);
    }
    if (media && strcmp(media, IMAGE_MEDIA_OCI_MANIFEST) != 0 &&
        strcmp(media, IMAGE_MEDIA_DOCKER_MANIFEST) != 0)
        return husk_error_set(err, ENOTSUP, "unsupported manifest media type \"%s\"", media);
    json_t *config = json_object_get(j, "config");
    if (config == NULL)
        return husk_error_set(err, EBADMSG, "the manifest has no config");
    if (descriptor_parse(config, "config", &m->config, err) < 0)
        return -1;
    return entries_parse(json_object_get(j, "layers"), "layers", m, err);
}

int image_manifest_parse(const char *data, size_t len, struct image_manifest *ret, husk_error *err)
{
    if (len > IMAGE_MANIFEST_MAX)
        return husk_error_set(err, EFBIG, "the manifest is larger than %d bytes", IMAGE_MANIFEST_MAX);
    json_error_t jerr;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL)
        return husk_error_set(err, EBADMSG, "the manifest is not valid JSON: %s (line %d)", jerr.text,
                              jerr.line);
    struct image_manifest m = {0};
    int rc = json_is_object(j) ? manifest_parse_json(j, &m, err)
                               : husk_error_set(err, EBADMSG, "the manifest is not a JSON object");
    json_decref(j);
    if (rc < 0) {
        image_manifest_free(&m);
        return -1;
    }
    *ret = m;
    return 0;
}

const char *image_host_architecture(void)
{
    struct utsname u;
    if (uname(&u) < 0)
        return "amd64";
    static const struct {
        const char *machine, *arch;
    } map[] = {{"x86_64", "amd64"},    {"aarch64", "arm64"}, {"armv7l", "arm"},     {"i686", "386"},
               {"ppc64le", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u.machine, map[i].machine) == 0)
            return map[i].arch;
    return "amd64";
}

int image_index_choose(const struct image_manifest *index, const struct image_descriptor **ret,
                       husk_error *err)
{
    const char *arch = image_host_architecture();
    for (size_t i = 0; i < index->n_entries; i++) {
        const struct image_descriptor *d = &index->entries[i];
        if (d->os && strcmp(d->os, "linux") == 0 && d->architecture && strcmp(d->architecture, arch) == 0) {
            *ret = d;
            return 0;
        }
    }
    /* An index without platforms (as `skopeo copy` to oci-archive writes) has one image: take it. */
    if (index->n_entries == 1 && index->entries[0].architecture == NULL) {
        *ret = &index->entries[0];
        return 0;
    }
    return husk_error_set(err, ENOENT, "no image for linux/%s in the index (%zu entries)", arch,
                          index->n_entries);
}

char *image_manifest_build(const struct image_descriptor *config, const struct image_descriptor *layers,
                           size_t n)
{
    json_t *jl = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(jl, json_pack("{s:s, s:s, s:I}", "mediaType", IMAGE_MEDIA_OCI_LAYER_TAR,
                                            "digest", layers[i].digest, "size", (json_int_t)layers[i].size));
    json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                          IMAGE_MEDIA_OCI_MANIFEST, "config", "mediaType", IMAGE_MEDIA_OCI_CONFIG, "digest",
                          config->digest, "size", (json_int_t)config->size, "layers", jl);
    char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    return text;
}
