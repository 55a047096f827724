/* What the node finds on disk after a crash or a damaged file: the worker record (worker.json) read with
 * its format checked, a sandbox whose sandbox.json is damaged, and a sandbox nothing records. A damaged
 * file is set aside (NAME.corrupt-TIMESTAMP) with an error in the log, never read again, and never stops
 * the daemon. Private to src/node. */
#ifndef HUSK_NODE_RECOVER_H
#define HUSK_NODE_RECOVER_H

#include "runtime/runtime.h"

#include <jansson.h>

/* worker.json's format. 1 added formatVersion itself; a record without it is format 0 (husk before it),
 * which reads the same, missing fields taking their defaults. */
#define NODE_WORKER_RECORD_VERSION 1

/* The record in POD_DIR/worker.json, or NULL when there is none. One that is not a JSON object holding the
 * pod (truncated, zeroed, garbage), or that a newer husk wrote, is set aside and logged, and is NULL. */
json_t *node_worker_record_load(const char *pod_dir);

/* Reopens POD_DIR/sandbox. A damaged sandbox.json is set aside and the sandbox rebuilt from what the node
 * knows (its state dir, its cgroup PARENT/pod-UID, supervisor.pid): the supervisor read it when it
 * started and does not need it again. NULL when there is no sandbox. */
struct runtime_sandbox *node_sandbox_reopen(const char *pod_dir, const char *cgroup_parent, const char *uid);

/* Removes POD_DIR/sandbox (its supervisor, containers, cgroup, network namespace) when nothing records what
 * runs in it: the daemon died between creating it and saving the worker record, or the record was
 * damaged. The pod's volumes stay. */
void node_sandbox_discard(const char *pod_dir, const char *cgroup_parent, const char *uid);

/* Removes all that is left of a pod no one knows any more: its sandbox, whatever is mounted below its dir
 * (memory-backed emptyDirs), the dir itself. */
void node_pod_dir_remove(const char *pod_dir, const char *cgroup_parent, const char *uid);

#endif
