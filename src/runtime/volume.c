/* Volumes that live on the host for a pod's lifetime, as the kubelet keeps them: an emptyDir with medium
 * Memory is a tmpfs mounted at the volume's directory, so that all the pod's containers share it (each
 * container then bind-mounts the directory like any other volume). One of the few files that mount. */
#include "runtime/runtime.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/statfs.h>

int runtime_volume_mount_tmpfs(const char *path, uint64_t size_bytes, husk_error *err)
{
    struct statfs fs;
    if (statfs(path, &fs) == 0 && fs.f_type == TMPFS_MAGIC)
        return 0; /* mounted already: a daemon restart resuming the pod */
    char options[64] = "mode=0777";
    if (size_bytes > 0)
        snprintf(options, sizeof options, "mode=0777,size=%" PRIu64, size_bytes);
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options) < 0)
        return husk_error_set_errno(err, errno, "mounting a tmpfs at %s", path);
    return 0;
}

int runtime_volume_unmount(const char *path, husk_error *err)
{
    if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
        return husk_error_set_errno(err, errno, "unmounting %s", path);
    return 0;
}
