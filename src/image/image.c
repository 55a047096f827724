/* Images for containers: pull policies and their Kubernetes failure reasons, and an image's layer
 * directories and config; see image.h. What pulls or unpacks is in image_ensure.c. */
#include "image/image.h"
#include "base/cleanup.h"
#include "image/manifest.h"

#include <errno.h>
#include <string.h>

const char *image_failure_reason(int rc)
{
    switch (rc) {
    case 0:
        return "";
    case IMAGE_ERR_INVALID_NAME:
        return "InvalidImageName";
    case IMAGE_ERR_NEVER_PULL:
        return "ErrImageNeverPull";
    default:
        return "ErrImagePull";
    }
}

enum image_pull_policy image_default_pull_policy(const char *name)
{
    /* https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting */
    struct image_reference ref;
    husk_error err = {0};
    if (image_reference_parse(name, &ref, &err) < 0)
        return IMAGE_PULL_IF_NOT_PRESENT;
    bool always = ref.digest == NULL && strcmp(ref.tag, "latest") == 0;
    image_reference_free(&ref);
    return always ? IMAGE_PULL_ALWAYS : IMAGE_PULL_IF_NOT_PRESENT;
}

static const char *const policy_names[] = {"Always", "IfNotPresent", "Never"};

const char *image_pull_policy_name(enum image_pull_policy policy)
{
    return policy_names[policy];
}

int image_pull_policy_parse(const char *text, enum image_pull_policy *ret)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(text, policy_names[i]) == 0) {
            *ret = (enum image_pull_policy)i;
            return 0;
        }
    return -1;
}

int image_full_name(const char *name, char **ret, husk_error *err)
{
    struct image_reference ref;
    if (image_reference_parse(name, &ref, err) < 0)
        return IMAGE_ERR_INVALID_NAME;
    char *full = image_reference_string(&ref);
    image_reference_free(&ref);
    if (full == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    *ret = full;
    return 0;
}

void image_free(struct image *img)
{
    if (img == NULL)
        return;
    image_record_free(&img->record);
    image_config_free(&img->config);
    image_strv_free(img->layer_dirs);
    free(img);
}

static int fill_image(struct image_store *s, struct image *img, husk_error *err)
{
    cleanup_free char *text = NULL;
    size_t len;
    if (image_store_read_blob(s, img->record.config_digest, IMAGE_CONFIG_MAX, &text, &len, err) < 0 ||
        image_config_parse(text, len, &img->config, err) < 0)
        return -1;
    img->layer_dirs = calloc(img->record.n_layers + 1, sizeof *img->layer_dirs);
    if (img->layer_dirs == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < img->record.n_layers; i++) {
        const struct image_layer_record *l = &img->record.layers[i];
        if (!image_store_has_layer(s, l->diff_id))
            return husk_error_set(err, ENOENT, "layer %s is not unpacked", l->diff_id);
        if ((img->layer_dirs[i] = image_store_layer_path(s, l->diff_id)) == NULL)
            return husk_error_set(err, ENOMEM, "out of memory");
        img->n_layers = i + 1;
    }
    return 0;
}

int image_get_unpacked(struct image_store *s, const char *key, struct image **ret, husk_error *err)
{
    struct image *img = calloc(1, sizeof *img);
    if (img == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    int rc = image_store_lock(s, false, err);
    if (rc == 0) {
        rc = image_store_get_record(s, key, &img->record, err);
        if (rc == 0)
            rc = fill_image(s, img, err);
        image_store_unlock(s);
    }
    if (rc < 0) {
        image_free(img);
        return husk_error_wrap(err, "image %s", key);
    }
    *ret = img;
    return 0;
}
