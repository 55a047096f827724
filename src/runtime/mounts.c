/* See mounts.h. Every path inside the container root is resolved with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) and mounted on through /proc/self/fd/N, so that a symlink in an image or a
 * volume can never redirect a mount onto the host (the runc and kubelet CVEs: CVE-2017-1002101,
 * CVE-2021-25741, CVE-2019-19921). */
#include "runtime/mounts.h"

#include "base/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int openat2_path(int dirfd, const char *path, int flags, unsigned long long resolve)
{
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = resolve};
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

int runtime_open_in_root(int root_fd, const char *path, bool create, bool as_file, husk_error *err)
{
    const unsigned long long resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd = openat2_path(root_fd, path, O_PATH, resolve);
    if (fd >= 0 || errno != ENOENT || !create) {
        if (fd < 0)
            husk_error_set_errno(err, errno, "opening %s in the container root", path);
        return fd;
    }
    /* Create the parent, then the last component inside it. */
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    const char *base = path + (slash != NULL ? slash - parent + 1 : 0);
    if (slash != NULL)
        *slash = '\0';
    if (*base == '\0')
        return husk_error_set(err, EINVAL, "bad path %s", path);
    cleanup_close int parent_fd = parent[0] != '\0' && slash != NULL
                                      ? runtime_open_in_root(root_fd, parent, true, false, err)
                                      : openat2_path(root_fd, ".", O_PATH, resolve);
    if (parent_fd < 0)
        return -1;
    if (as_file) {
        int created = openat(parent_fd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (created < 0 && errno != EEXIST)
            return husk_error_set_errno(err, errno, "creating %s in the container root", path);
        if (created >= 0)
            close(created);
    } else if (mkdirat(parent_fd, base, 0755) < 0 && errno != EEXIST) {
        return husk_error_set_errno(err, errno, "creating directory %s in the container root", path);
    }
    fd = openat2_path(parent_fd, base, O_PATH, resolve);
    if (fd < 0)
        husk_error_set_errno(err, errno, "opening %s in the container root", path);
    return fd;
}

static void fd_path(char *out, size_t size, int fd)
{
    snprintf(out, size, "/proc/self/fd/%d", fd);
}

/* Mounts onto path inside the root (created as a dir, or a file if as_file). */
static int mount_in_root(int root_fd, const char *source, const char *path, const char *type,
                         unsigned long flags, const char *data, bool as_file, husk_error *err)
{
    cleanup_close int fd = runtime_open_in_root(root_fd, path, true, as_file, err);
    if (fd < 0)
        return -1;
    char target[64];
    fd_path(target, sizeof target, fd);
    if (mount(source, target, type, flags, data) < 0)
        return husk_error_set_errno(err, errno, "mounting %s on %s", type ? type : source, path);
    return 0;
}

/* Makes the mount now at path read-only (bind mounts ignore MS_RDONLY until remounted). */
static int remount_read_only(int root_fd, const char *path, husk_error *err)
{
    cleanup_close int fd = runtime_open_in_root(root_fd, path, false, false, err);
    if (fd < 0)
        return -1;
    char target[64];
    fd_path(target, sizeof target, fd);
    if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        return husk_error_set_errno(err, errno, "making %s read-only", path);
    return 0;
}

static int mount_overlay(const struct runtime_rootfs_request *r, husk_error *err)
{
    /* overlayfs lists lowerdirs top first; the config lists layers lowest first. */
    char options[4096];
    size_t n = (size_t)snprintf(options, sizeof options, "lowerdir=");
    size_t count = 0;
    while (r->config->rootfs_layers[count] != NULL)
        count++;
    if (count == 0)
        return husk_error_set(err, EINVAL, "container %s has no rootfs layers", r->config->name);
    for (size_t i = count; i-- > 0 && n < sizeof options;)
        n += (size_t)snprintf(options + n, sizeof options - n, "%s%s", r->config->rootfs_layers[i],
                              i > 0 ? ":" : "");
    if (n < sizeof options)
        n += (size_t)snprintf(options + n, sizeof options - n, ",upperdir=%s/upper,workdir=%s/work",
                              r->container_dir, r->container_dir);
    if (n >= sizeof options)
        return husk_error_set(err, E2BIG, "overlay options for container %s exceed a page", r->config->name);
    char rootfs[4096];
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", r->container_dir);
    if (mount("overlay", rootfs, "overlay", 0, options) < 0)
        return husk_error_set_errno(err, errno, "mounting the overlay root of container %s", r->config->name);
    return 0;
}

static int make_dev_nodes(int root_fd, husk_error *err)
{
    static const struct {
        const char *name;
        unsigned major, minor;
    } nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                 {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
    static const char *const links[][2] = {{"ptmx", "pts/ptmx"},          {"fd", "/proc/self/fd"},
                                           {"stdin", "/proc/self/fd/0"},  {"stdout", "/proc/self/fd/1"},
                                           {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"}};
    cleanup_close int dev = runtime_open_in_root(root_fd, "/dev", false, false, err);
    if (dev < 0)
        return -1;
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) < 0)
            return husk_error_set_errno(err, errno, "creating /dev/%s", nodes[i].name);
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        if (symlinkat(links[i][1], dev, links[i][0]) < 0)
            return husk_error_set_errno(err, errno, "creating /dev/%s", links[i][0]);
    return 0;
}

static int mount_dev(const struct runtime_rootfs_request *r, int root_fd, husk_error *err)
{
    const unsigned long nosuid = MS_NOSUID | MS_NOEXEC | MS_NODEV;
    if (mount_in_root(root_fd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k",
                      false, err) < 0 ||
        make_dev_nodes(root_fd, err) < 0 ||
        mount_in_root(root_fd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                      "newinstance,ptmxmode=0666,mode=0620,gid=5", false, err) < 0 ||
        mount_in_root(root_fd, "mqueue", "/dev/mqueue", "mqueue", nosuid, NULL, false, err) < 0)
        return -1;
    /* The pod's /dev/shm is one tmpfs held by the supervisor, shared by all its containers (the IPC
     * namespace's shared memory); with hostIPC it is the host's. */
    char shm[4096];
    if (r->host_ipc)
        snprintf(shm, sizeof shm, "/dev/shm");
    else
        snprintf(shm, sizeof shm, "%s/shm", r->sandbox_dir);
    return mount_in_root(root_fd, shm, "/dev/shm", NULL, MS_BIND | MS_REC, NULL, false, err);
}

static int mount_etc_files(const struct runtime_rootfs_request *r, int root_fd, husk_error *err)
{
    static const char *const files[] = {"hosts", "hostname", "resolv.conf"};
    for (size_t i = 0; i < 3; i++) {
        char source[4096], dest[64];
        snprintf(source, sizeof source, "%s/etc/%s", r->sandbox_dir, files[i]);
        if (access(source, F_OK) < 0)
            continue;
        snprintf(dest, sizeof dest, "/etc/%s", files[i]);
        if (mount_in_root(root_fd, source, dest, NULL, MS_BIND, NULL, true, err) < 0)
            return -1;
    }
    return 0;
}

/* A volume: tmpfs, or a bind of its source (or of sub_path inside it, never leaving it). */
static int mount_volume(const struct runtime_mount *m, int root_fd, husk_error *err)
{
    if (m->tmpfs) {
        char data[64] = "mode=1777";
        if (m->tmpfs_size_bytes > 0)
            snprintf(data, sizeof data, "mode=1777,size=%llu", (unsigned long long)m->tmpfs_size_bytes);
        if (mount_in_root(root_fd, "tmpfs", m->destination, "tmpfs", MS_NOSUID | MS_NODEV, data, false, err) <
            0)
            return -1;
        return m->read_only ? remount_read_only(root_fd, m->destination, err) : 0;
    }
    cleanup_close int source_fd = open(m->source, O_PATH | O_CLOEXEC);
    if (source_fd < 0)
        return husk_error_set_errno(err, errno, "opening volume source %s", m->source);
    if (m->sub_path != NULL && m->sub_path[0] != '\0') {
        /* RESOLVE_BENEATH fails (EXDEV) on any path or symlink leading out of the volume, as the
         * kubelet refuses such a subPath. */
        int sub = openat2_path(source_fd, m->sub_path, O_PATH, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
        if (sub < 0)
            return husk_error_set_errno(err, errno, "subPath %s of volume %s", m->sub_path, m->source);
        close(source_fd);
        source_fd = sub;
    }
    struct stat st;
    if (fstat(source_fd, &st) < 0)
        return husk_error_set_errno(err, errno, "stat of volume source %s", m->source);
    char source[64];
    fd_path(source, sizeof source, source_fd);
    if (mount_in_root(root_fd, source, m->destination, NULL, MS_BIND | MS_REC, NULL, !S_ISDIR(st.st_mode),
                      err) < 0)
        return husk_error_wrap(err, "volume %s", m->source);
    return m->read_only ? remount_read_only(root_fd, m->destination, err) : 0;
}

static int pivot(const char *rootfs, husk_error *err)
{
    if (chdir(rootfs) < 0)
        return husk_error_set_errno(err, errno, "chdir %s", rootfs);
    /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves the new root
     * alone, with no directory needed for the old one (runc does the same). */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return husk_error_set_errno(err, errno, "pivot_root into %s", rootfs);
    if (umount2(".", MNT_DETACH) < 0)
        return husk_error_set_errno(err, errno, "detaching the old root");
    if (chdir("/") < 0)
        return husk_error_set_errno(err, errno, "chdir /");
    return 0;
}

/* runc's defaults: paths hidden from, and read-only in, unprivileged containers. */
static int mask_paths(husk_error *err)
{
    static const char *const masked[] = {"/proc/acpi",
                                         "/proc/asound",
                                         "/proc/kcore",
                                         "/proc/keys",
                                         "/proc/latency_stats",
                                         "/proc/timer_list",
                                         "/proc/timer_stats",
                                         "/proc/sched_debug",
                                         "/proc/scsi",
                                         "/sys/firmware",
                                         "/sys/devices/virtual/powercap"};
    static const char *const read_only[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                            "/proc/sysrq-trigger"};
    for (size_t i = 0; i < sizeof masked / sizeof masked[0]; i++) {
        struct stat st;
        if (stat(masked[i], &st) < 0)
            continue;
        int r = S_ISDIR(st.st_mode) ? mount("tmpfs", masked[i], "tmpfs", MS_RDONLY, NULL)
                                    : mount("/dev/null", masked[i], NULL, MS_BIND, NULL);
        if (r < 0)
            return husk_error_set_errno(err, errno, "masking %s", masked[i]);
    }
    for (size_t i = 0; i < sizeof read_only / sizeof read_only[0]; i++) {
        if (access(read_only[i], F_OK) < 0)
            continue;
        if (mount(read_only[i], read_only[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
            mount(NULL, read_only[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) < 0)
            return husk_error_set_errno(err, errno, "making %s read-only", read_only[i]);
    }
    return 0;
}

static int mount_inside(const struct runtime_rootfs_request *r, int root_fd, husk_error *err)
{
    const unsigned long nosuid = MS_NOSUID | MS_NOEXEC | MS_NODEV;
    if (mount_in_root(root_fd, "proc", "/proc", "proc", nosuid, NULL, false, err) < 0 ||
        mount_dev(r, root_fd, err) < 0)
        return -1;
    unsigned long sys_flags = nosuid | (r->config->privileged ? 0 : MS_RDONLY);
    if (mount_in_root(root_fd, "sysfs", "/sys", "sysfs", sys_flags, NULL, false, err) < 0)
        return -1;
    if (mount_etc_files(r, root_fd, err) < 0)
        return -1;
    for (size_t i = 0; i < r->config->mount_count; i++)
        if (mount_volume(&r->config->mounts[i], root_fd, err) < 0)
            return -1;
    return 0;
}

int runtime_rootfs_setup(const struct runtime_rootfs_request *r, husk_error *err)
{
    /* Nothing mounted from here on may propagate back to the host (or the supervisor). */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return husk_error_set_errno(err, errno, "making / a slave mount");
    if (mount_overlay(r, err) < 0)
        return -1;
    char rootfs[4096];
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", r->container_dir);
    cleanup_close int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        return husk_error_set_errno(err, errno, "opening %s", rootfs);
    if (mount_inside(r, root_fd, err) < 0 || pivot(rootfs, err) < 0)
        return -1;
    if (!r->config->privileged && mask_paths(err) < 0)
        return -1;
    if (r->config->read_only_root && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        return husk_error_set_errno(err, errno, "making the root read-only");
    return 0;
}
