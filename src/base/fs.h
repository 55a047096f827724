/* File system helpers every layer needs. */
#ifndef HUSK_BASE_FS_H
#define HUSK_BASE_FS_H

#include "base/error.h"

#include <sys/types.h>

/* Creates path and its missing parents (parents 0755, path itself with mode); an existing one is fine. */
int husk_mkdir_p(const char *path, mode_t mode, husk_error *err);

#endif
