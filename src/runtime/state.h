/* A container's recorded state, STATE/containers/NAME/state.json: written atomically by the supervisor
 * (and by the client for "created"), read by anyone, so that exits are known even when no client was
 * connected. Private to src/runtime. */
#ifndef HUSK_RUNTIME_STATE_H
#define HUSK_RUNTIME_STATE_H

#include "base/error.h"
#include "runtime/runtime.h"

int runtime_state_save(const char *path, const struct runtime_container_status *status, husk_error *err);
int runtime_state_load(const char *path, struct runtime_container_status *ret_status, husk_error *err);
int64_t runtime_now_ns(void);

#endif
