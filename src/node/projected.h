/* Volumes whose files the node writes: configMap, secret, downwardAPI and projected
 * (concepts/storage/volumes, projected-volumes). Written the kubelet's way
 * (pkg/volume/util/atomic_writer.go): the files go into a fresh timestamped directory, a `..data` symlink is
 * swapped to it in one rename, and each top-level name is a symlink through `..data`; so a container never
 * sees half an update, and the volume is updated in place when its objects change (subPath mounts excepted,
 * as in Kubernetes). */
#ifndef HUSK_NODE_PROJECTED_H
#define HUSK_NODE_PROJECTED_H

#include "base/error.h"
#include "node/env.h"

#include <jansson.h>
#include <stdbool.h>

/* Whether the volume is one of these kinds. */
bool node_projected_volume(const json_t *volume);

/* Writes the volume's files into dir when they differ from what is there; *ret_changed says whether they
 * did. A missing object or key that is not optional is an error in the kubelet's words. */
int node_projected_update(const json_t *pod, const json_t *volume, const struct node_pod_facts *facts,
                          const char *dir, bool *ret_changed, husk_error *err);

#endif
