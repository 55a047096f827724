/* The daemon's image pulls, each in a child process: `husk-image image pull`, so that the daemon maps
 * neither libcurl nor libarchive (and a pull that crashes takes only itself down).
 *
 * The protocol, in this one place:
 *   husk-image image pull --pull-policy Always|IfNotPresent|Never --data-dir DATA_DIR [--quiet]
 *                         [--registries-config FILE] [--authfile FILE] NAME
 * runs image_ensure with that policy. Its exit status is 0, or IMAGE_PULL_EXIT_BASE - rc for a failure
 * rc (an IMAGE_ERR_* code): 11 store, 12 invalid name, 13 never pull, 14 pull. Its last line on stderr
 * that starts with "husk: " carries the message (the rest is passed on to the daemon's log). */
#ifndef HUSK_IMAGE_PULL_PROCESS_H
#define HUSK_IMAGE_PULL_PROCESS_H

#include "image/image.h"

#include <stdbool.h>

#define IMAGE_PULL_EXIT_BASE 10

/* The exit status that reports rc (0 or an IMAGE_ERR_* code) to the daemon. */
int image_pull_exit_status(int rc);

/* Whether the daemon gives up on a pull: checked a few times a second while the child runs, which is
 * killed then. */
typedef bool (*image_cancel_fn)(void *data);

/* image_ensure, with the pulling (and any unpacking) done by the program `program` (husk-image): an image
 * present with its layers unpacked is read here; otherwise the child runs with the policy, then the image is
 * read. Returns 0 or an IMAGE_ERR_* code with err's message as image_ensure would set it. */
int image_ensure_in_child(struct image_store *s, const char *program, const char *data_dir, const char *name,
                          enum image_pull_policy policy, const struct image_pull_options *opts,
                          image_cancel_fn cancelled, void *cancel_data, struct image **ret, husk_error *err);

#endif
