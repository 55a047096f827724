/* Turning a stored manifest into a usable image; see commit.h. */
#include "image/commit.h"
#include "base/cleanup.h"
#include "image/config.h"
#include "image/manifest.h"

#include <errno.h>
#include <string.h>

static int build_record(struct image_store *s, const struct image_manifest *m, const struct image_config *c,
                        struct image_record *r, husk_error *err)
{
    if (c->n_diff_ids != m->n_entries)
        return husk_error_set(err, EBADMSG, "the manifest lists %zu layers but the config has %zu diff IDs",
                              m->n_entries, c->n_diff_ids);
    r->layers = calloc(m->n_entries + 1, sizeof *r->layers);
    if (r->layers == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    memcpy(r->config_digest, m->config.digest, IMAGE_DIGEST_STRING_SIZE);
    r->size = m->config.size;
    for (size_t i = 0; i < m->n_entries; i++) {
        struct image_layer_record *l = &r->layers[i];
        r->n_layers = i + 1;
        memcpy(l->digest, m->entries[i].digest, IMAGE_DIGEST_STRING_SIZE);
        memcpy(l->diff_id, c->diff_ids[i], IMAGE_DIGEST_STRING_SIZE);
        l->size = m->entries[i].size;
        l->media_type = strdup(m->entries[i].media_type ? m->entries[i].media_type : "");
        r->size += l->size;
        if (!image_store_has_blob(s, l->digest))
            return husk_error_set(err, ENOENT, "layer blob %s is missing", l->digest);
        if (image_store_ensure_layer(s, l, err) < 0)
            return -1;
    }
    return 0;
}

int image_commit_manifest(struct image_store *s, const char *name, const char *repo_digest,
                          const char *manifest_digest, struct image_record *ret, husk_error *err)
{
    cleanup_free char *mtext = NULL, *ctext = NULL;
    size_t mlen, clen;
    struct image_manifest m = {0};
    struct image_config c = {0};
    struct image_record r = {0};
    int rc = -1;
    if (image_store_read_blob(s, manifest_digest, IMAGE_MANIFEST_MAX, &mtext, &mlen, err) < 0 ||
        image_manifest_parse(mtext, mlen, &m, err) < 0)
        goto out;
    if (m.is_index) {
        husk_error_set(err, EINVAL, "%s is an index, not an image manifest", manifest_digest);
        goto out;
    }
    if (image_store_read_blob(s, m.config.digest, IMAGE_CONFIG_MAX, &ctext, &clen, err) < 0 ||
        image_config_parse(ctext, clen, &c, err) < 0)
        goto out;
    if ((name && (r.name = strdup(name)) == NULL) ||
        (repo_digest && (r.repo_digest = strdup(repo_digest)) == NULL)) {
        husk_error_set(err, ENOMEM, "out of memory");
        goto out;
    }
    memcpy(r.manifest_digest, manifest_digest, IMAGE_DIGEST_STRING_SIZE);
    if (build_record(s, &m, &c, &r, err) < 0 || image_store_put_record(s, &r, err) < 0)
        goto out;
    rc = 0;
    if (ret != NULL) {
        *ret = r;
        r = (struct image_record){0};
    }
out:
    image_record_free(&r);
    image_config_free(&c);
    image_manifest_free(&m);
    if (rc < 0)
        husk_error_wrap(err, "image %s", name ? name : manifest_digest);
    return rc;
}
