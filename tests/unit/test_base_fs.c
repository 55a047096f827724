/* Unit tests for directory creation (src/base/fs.c: husk_mkdir_p), in a temporary dir of their own. */
#include "base/fs.h"
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static mode_t mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? st.st_mode & 07777 : (mode_t)-1;
}

TEST(mkdir_p_makes_the_missing_parents_and_takes_what_is_there)
{
    char base[] = "/tmp/husk-test-fs-XXXXXX", path[128], parent[128];
    CHECK(mkdtemp(base) != NULL);
    husk_error err = {0};
    mode_t old = umask(0);
    /* Every level missing: the parents 0755, the dir itself as asked. */
    snprintf(path, sizeof path, "%s/a/b/c", base);
    CHECK(husk_mkdir_p(path, 0700, &err) == 0);
    CHECK_INT_EQ(mode_of(path), 0700);
    snprintf(parent, sizeof parent, "%s/a/b", base);
    CHECK_INT_EQ(mode_of(parent), 0755);
    /* There already, or only the last level missing. */
    CHECK(husk_mkdir_p(path, 0700, &err) == 0);
    snprintf(path, sizeof path, "%s/a/b/d", base);
    CHECK(husk_mkdir_p(path, 0750, &err) == 0);
    CHECK_INT_EQ(mode_of(path), 0750);
    umask(old);
    CHECK(rmdir(path) == 0);
    snprintf(path, sizeof path, "%s/a/b/c", base);
    CHECK(rmdir(path) == 0 && rmdir(parent) == 0);
    snprintf(path, sizeof path, "%s/a", base);
    CHECK(rmdir(path) == 0 && rmdir(base) == 0);
}

TEST(mkdir_p_names_what_failed)
{
    char base[] = "/tmp/husk-test-fs-XXXXXX", file[128], path[160];
    CHECK(mkdtemp(base) != NULL);
    snprintf(file, sizeof file, "%s/file", base);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (f != NULL)
        fclose(f);
    husk_error err = {0};
    /* Under a file: not a directory, at the first level that is not one. */
    snprintf(path, sizeof path, "%s/file/x/y", base);
    CHECK(husk_mkdir_p(path, 0755, &err) < 0);
    CHECK_INT_EQ(err.code, ENOTDIR);
    CHECK_STR_CONTAINS(err.message, "/file/x");
    err = (husk_error){0};
    CHECK(husk_mkdir_p("", 0755, &err) < 0);
    CHECK_INT_EQ(err.code, ENOENT);
    CHECK(unlink(file) == 0 && rmdir(base) == 0);
}
