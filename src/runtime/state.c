/* See state.h. */
#include "runtime/state.h"

#include "base/cleanup.h"
#include "runtime/files.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const state_names[] = {"unknown", "created", "running", "exited"};

int64_t runtime_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int runtime_state_save(const char *path, const struct runtime_container_status *s, husk_error *err)
{
    json_t *root = json_pack("{s:s, s:i, s:i, s:i, s:b, s:s, s:I, s:I, s:s}", "state", state_names[s->state],
                             "pid", (int)s->pid, "exit_code", s->exit_code, "signal", s->signal, "oom_killed",
                             s->oom_killed, "reason", s->reason, "started_at", (json_int_t)s->started_at_ns,
                             "finished_at", (json_int_t)s->finished_at_ns, "message", s->message);
    if (root == NULL)
        return husk_error_set(err, EINVAL, "encoding %s", path);
    cleanup_free char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text == NULL ? husk_error_set(err, ENOMEM, "out of memory")
                        : runtime_write_file_atomic(path, text, err);
}

int runtime_state_load(const char *path, struct runtime_container_status *ret, husk_error *err)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (root == NULL)
        return husk_error_set(err, errno == ENOENT ? ENOENT : EINVAL, "reading %s: %s", path, jerr.text);
    const char *state, *reason, *message;
    int pid = 0, oom = 0;
    json_int_t started = 0, finished = 0;
    struct runtime_container_status s = {0};
    int r = json_unpack(root, "{s:s, s:i, s:i, s:i, s:b, s:s, s:I, s:I, s:s}", "state", &state, "pid", &pid,
                        "exit_code", &s.exit_code, "signal", &s.signal, "oom_killed", &oom, "reason", &reason,
                        "started_at", &started, "finished_at", &finished, "message", &message);
    if (r == 0) {
        for (size_t i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
            if (strcmp(state, state_names[i]) == 0)
                s.state = (enum runtime_container_state)i;
        s.pid = pid;
        s.oom_killed = oom;
        s.started_at_ns = started;
        s.finished_at_ns = finished;
        snprintf(s.reason, sizeof s.reason, "%s", reason);
        snprintf(s.message, sizeof s.message, "%s", message);
        *ret = s;
    }
    json_decref(root);
    return r < 0 ? husk_error_set(err, EINVAL, "malformed state file %s", path) : 0;
}
