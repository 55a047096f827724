/* A container process's security context, applied in the child just before exec: the capability sets,
 * the user and groups, no_new_privs and the seccomp filter. Private to src/runtime. */
#ifndef HUSK_RUNTIME_SECURITY_H
#define HUSK_RUNTIME_SECURITY_H

#include "base/error.h"
#include "runtime/runtime.h"

#include <stdint.h>

/* The capability mask the container gets: containerd's default set, or all when privileged, then the
 * config's drops and adds. Fails on an unknown capability name. */
int runtime_capabilities_mask(const struct runtime_container_config *config, uint64_t *ret_mask,
                              husk_error *err);

/* Drops the bounding set, loads seccomp, switches user and groups, sets the capabilities (inheritable and
 * ambient empty) and no_new_privs. Only for a child about to exec. */
int runtime_security_apply(const struct runtime_container_config *config, husk_error *err);

#endif
