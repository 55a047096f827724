/* Pinning a pod's network namespace at STATE/netns (netns.c), for the sandbox's creation and removal. */
#ifndef HUSK_RUNTIME_NETNS_H
#define HUSK_RUNTIME_NETNS_H

#include "base/error.h"

#include <sys/types.h>

int runtime_netns_pin(const char *state_dir, pid_t pid, husk_error *err);
/* Not pinned is not an error. */
int runtime_netns_unpin(const char *state_dir, husk_error *err);

#endif
