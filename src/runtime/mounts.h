/* A container's root filesystem, built in the container's own mount namespace (so that none of it is
 * visible on the host, and all of it goes when the container's last process does): overlayfs over the
 * image layers, /proc, /sys, /dev, the pod's /etc files and /dev/shm, the volumes, masked paths, then
 * pivot_root. Private to src/runtime; one of the few files that calls mount(2). */
#ifndef HUSK_RUNTIME_MOUNTS_H
#define HUSK_RUNTIME_MOUNTS_H

#include "base/error.h"
#include "runtime/runtime.h"

struct runtime_rootfs_request {
    const struct runtime_container_config *config;
    const char *container_dir; /* holds rootfs/, upper/ and work/ */
    const char *sandbox_dir;   /* holds etc/ (hosts, hostname, resolv.conf) and shm/ */
    bool host_ipc;
};

/* Builds the root and pivots into it. Only in a child in a new mount namespace, about to exec. */
int runtime_rootfs_setup(const struct runtime_rootfs_request *request, husk_error *err);

/* Opens path inside the directory root_fd, never leaving it (openat2 RESOLVE_IN_ROOT, no magic links),
 * creating missing directories (and, if as_file, the last component as an empty file) on the way. */
int runtime_open_in_root(int root_fd, const char *path, bool create, bool as_file, husk_error *err);

#endif
