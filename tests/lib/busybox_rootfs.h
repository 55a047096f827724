/* Test fixture: a minimal image root made from the host's static busybox (Debian's busybox-static),
 * one symlink per applet, plus /etc/passwd and /etc/group. Header-only so a test binary needs no extra
 * source. */
#ifndef HUSK_TESTS_LIB_BUSYBOX_ROOTFS_H
#define HUSK_TESTS_LIB_BUSYBOX_ROOTFS_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEST_BUSYBOX "/bin/busybox"

static inline int test_copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    int r = in >= 0 && out >= 0 ? 0 : -1;
    char buf[65536];
    for (ssize_t n; r == 0 && (n = read(in, buf, sizeof buf)) != 0;)
        if (n < 0 || write(out, buf, (size_t)n) != n)
            r = -1;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return r;
}

static inline int test_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    if (f == NULL)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Makes DIR (which must not exist) a busybox root. Returns 0, or -1 if busybox is missing. */
static inline int test_make_busybox_rootfs(const char *dir)
{
    static const char *const subdirs[] = {"bin", "etc", "tmp", "proc", "sys", "dev", "root", "var", "home"};
    char path[4096 + 512];
    if (access(TEST_BUSYBOX, X_OK) < 0 || mkdir(dir, 0755) < 0)
        return -1;
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, subdirs[i]);
        if (mkdir(path, strcmp(subdirs[i], "tmp") == 0 ? 01777 : 0755) < 0)
            return -1;
    }
    snprintf(path, sizeof path, "%s/bin/busybox", dir);
    if (test_copy_file(TEST_BUSYBOX, path, 0755) < 0)
        return -1;
    FILE *list = popen(TEST_BUSYBOX " --list", "re");
    if (list == NULL)
        return -1;
    char name[256];
    while (fgets(name, sizeof name, list) != NULL) {
        name[strcspn(name, "\n")] = '\0';
        snprintf(path, sizeof path, "%s/bin/%s", dir, name);
        if (strcmp(name, "busybox") != 0 && symlink("busybox", path) < 0) {
            pclose(list);
            return -1;
        }
    }
    if (pclose(list) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/etc/passwd", dir);
    if (test_write_text(path,
                        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n") < 0)
        return -1;
    snprintf(path, sizeof path, "%s/etc/group", dir);
    return test_write_text(path, "root:x:0:\nnogroup:x:65534:\n");
}

#endif
