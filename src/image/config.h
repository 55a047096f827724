/* The image configuration (the "config" blob of an OCI/Docker image) as containers need it, and the
 * Kubernetes rules for combining it with a container's command and args. */
#ifndef HUSK_IMAGE_CONFIG_H
#define HUSK_IMAGE_CONFIG_H

#include "base/error.h"

#include <stddef.h>

struct image_config {
    char *os, *architecture;
    char **entrypoint;    /* NULL-terminated; NULL when the image has none */
    char **cmd;           /* likewise */
    char **env;           /* "NAME=value" */
    char *working_dir;    /* NULL when unset */
    char *user;           /* "uid[:gid]" or "name[:group]", NULL when unset */
    char *stop_signal;    /* "SIGTERM" etc., NULL when unset */
    char **exposed_ports; /* "80/tcp" */
    char **diff_ids;      /* rootfs.diff_ids, lowest layer first */
    size_t n_diff_ids;
};

int image_config_parse(const char *data, size_t len, struct image_config *ret, husk_error *err);
void image_config_free(struct image_config *c);

/* The process to run, as Kubernetes defines it
 * (https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/):
 * `command` replaces the image's ENTRYPOINT, `args` replaces its CMD, and when command is given without
 * args the image's CMD is ignored. command and args are NULL-terminated, NULL or empty meaning unset.
 * Fails when the result is empty. */
int image_container_command(const struct image_config *c, char *const *command, char *const *args,
                            char ***ret_argv, husk_error *err);

void image_strv_free(char **v);
size_t image_strv_length(char *const *v);

#endif
