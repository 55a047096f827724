/* The image layer's interface for the runtime and node layers: open the store, make sure an image is
 * present according to the pod's imagePullPolicy, and get what a container needs from it — the unpacked
 * layer directories (overlayfs lower directories) and the image config. Mounting is the runtime's job.
 *
 *   struct image_store *store;  image_store_open("/var/lib/husk", &store, &err);
 *   struct image *img;
 *   int rc = image_ensure(store, "busybox", IMAGE_PULL_IF_NOT_PRESENT, NULL, &img, &err);
 *   if (rc < 0) reason = image_failure_reason(rc);   // "ErrImagePull", "InvalidImageName", ...
 *   img->layer_dirs[0] is the lowest layer; img->config.entrypoint, .cmd, .env, ... */
#ifndef HUSK_IMAGE_IMAGE_H
#define HUSK_IMAGE_IMAGE_H

#include "base/error.h"
#include "image/config.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"

enum image_pull_policy { IMAGE_PULL_ALWAYS, IMAGE_PULL_IF_NOT_PRESENT, IMAGE_PULL_NEVER };

/* Failure codes of image_ensure / image_pull, each with a Kubernetes reason (ImagePullBackOff is the
 * caller's: it is ErrImagePull repeated under back-off). */
enum {
    IMAGE_ERR_STORE = -1,        /* the local store failed: "ErrImagePull" too, from the pod's view */
    IMAGE_ERR_INVALID_NAME = -2, /* "InvalidImageName" */
    IMAGE_ERR_NEVER_PULL = -3,   /* "ErrImageNeverPull" */
    IMAGE_ERR_PULL = -4,         /* "ErrImagePull" */
};
const char *image_failure_reason(int rc);

/* Kubernetes' default: Always for ":latest" or no tag (and no digest), IfNotPresent otherwise. */
enum image_pull_policy image_default_pull_policy(const char *name);
/* "Always", "IfNotPresent", "Never" → policy; returns -1 for anything else. */
int image_pull_policy_parse(const char *text, enum image_pull_policy *ret);
const char *image_pull_policy_name(enum image_pull_policy policy);

/* The name in full ("busybox" → "docker.io/library/busybox:latest") in *ret, to free; IMAGE_ERR_INVALID_NAME
 * (with the reason in err) when it names no image. */
int image_full_name(const char *name, char **ret, husk_error *err);

struct image_pull_options {
    const char *registries_config; /* NULL: $HUSK_REGISTRIES_CONFIG or /etc/husk/registries.yaml */
    const char *authfile;          /* NULL: $DOCKER_CONFIG/config.json or ~/.docker/config.json */
    image_progress_fn progress;    /* NULL: quiet */
    void *progress_data;
};

struct image {
    struct image_record record;
    struct image_config config;
    char **layer_dirs; /* NULL-terminated absolute paths, lowest layer first */
    size_t n_layers;
};

/* Pulls name from its registry (or a configured mirror) into the store. */
int image_pull(struct image_store *s, const char *name, const struct image_pull_options *opts,
               struct image_record *ret, husk_error *err);

/* An image already in the store, by name or ID, with its layers checked to be unpacked; a layer missing
 * (removed behind our back, or never finished) is unpacked again from its blob (image_ensure.c). */
int image_get(struct image_store *s, const char *key, struct image **ret, husk_error *err);
/* The same, but an image with a layer not unpacked is an error (ENOENT): it neither unpacks nor pulls, so
 * a program that only reads the store (husk-daemon) links neither libarchive nor libcurl (image.c). */
int image_get_unpacked(struct image_store *s, const char *key, struct image **ret, husk_error *err);

/* Applies the pull policy, pulling if needed; returns 0 or one of the IMAGE_ERR_* codes (image_ensure.c;
 * the daemon runs it in a child process, pull_process.h). */
int image_ensure(struct image_store *s, const char *name, enum image_pull_policy policy,
                 const struct image_pull_options *opts, struct image **ret, husk_error *err);

void image_free(struct image *img);

#endif
