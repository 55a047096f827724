/* Resolving paths from an untrusted layer inside the layer's root directory. Every lookup goes through
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so "..", absolute symlinks and symlinks planted earlier
 * in the same tar all stay inside the root (the runc/containerd/Docker CVE history is symlinks followed out
 * of a root). Without openat2 (kernels before 5.6) a stricter fallback walks component by component with
 * O_NOFOLLOW and refuses any symlink in a parent path. */
#ifndef HUSK_IMAGE_SAFEPATH_H
#define HUSK_IMAGE_SAFEPATH_H

#include "base/error.h"

#include <stdbool.h>

/* Tests set this to exercise the fallback on kernels that have openat2. */
extern bool image_safepath_force_fallback;

/* Cleans a tar entry path lexically: drops leading "/" and "./", empty and "." components; fails on "..".
 * Returns a newly allocated relative path, "" for the root itself. */
int image_safepath_clean(const char *path, char **ret_clean, husk_error *err);

/* Opens the directory holding the cleaned relative path `clean` (not the final component), as an
 * O_RDONLY|O_DIRECTORY fd, resolved inside rootfd; with create, missing parents are made (0755).
 * *ret_base points into clean at the final component. */
int image_safepath_open_parent(int rootfd, const char *clean, bool create, const char **ret_base,
                               husk_error *err);

/* Opens the cleaned path itself inside rootfd with flags (O_CLOEXEC is added). */
int image_safepath_open(int rootfd, const char *clean, int flags, husk_error *err);

#endif
