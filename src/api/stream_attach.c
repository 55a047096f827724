/* GET (WebSocket) or POST (SPDY/3.1) /api/v1/namespaces/NS/pods/NAME/attach?container=..&stdout=..&stderr=..
 * : the running container's output from now on, on the stdout and stderr channels, until the container
 * stops; then a Success Status. It is an exec session (stream_exec.c: the same channels, transports and
 * Status) whose job, instead of running a command, follows the container's CRI log from its end (the
 * supervisor holds the container's stdio and writes every line there), as `kubectl logs -f` does, and
 * ends when the runtime says the followed process is gone. Output only: what the client sends on stdin is
 * dropped (the supervisor gives containers no stdin to attach to). */
#include "api/status.h"
#include "api/stream_exec.h"
#include "base/fs.h"
#include "node/agent.h"
#include "objects/pod.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 65536

/* Writes one CRI line's message ("TIME STREAM F|P MESSAGE") to the fd of its stream; -1 when the reader
 * is gone. line has room for one more byte. */
static int write_line(struct exec_job *j, char *line, size_t len)
{
    line[len] = '\0';
    char *stream = strchr(line, ' ');
    char *tag = stream ? strchr(stream + 1, ' ') : NULL;
    char *msg = tag ? strchr(tag + 1, ' ') : NULL;
    if (msg == NULL)
        return 0;
    msg++;
    size_t n = strlen(msg);
    if (tag[1] != 'P')
        msg[n++] = '\n';
    return husk_write_all(strncmp(stream + 1, "stderr", 6) == 0 ? j->err_fd : j->out_fd, msg, n);
}

/* Whether the container still runs the process that was followed. */
static bool still_running(struct exec_job *j)
{
    struct runtime_container_status st;
    husk_error err = {0};
    return runtime_container_status(j->sandbox, j->container, &st, &err) == 0 &&
           st.state == RUNTIME_CONTAINER_RUNNING && st.pid == j->pid;
}

/* Sends the lines the log has gained; 0 at its current end, -1 when the client is gone. */
static int forward_log(struct exec_job *j, char *line, size_t *line_len)
{
    char buf[32768];
    ssize_t n;
    while ((n = read(j->log_fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                if (*line_len + 2 < LINE_MAX_BYTES)
                    line[(*line_len)++] = buf[i];
                continue;
            }
            if (write_line(j, line, *line_len) < 0)
                return -1;
            *line_len = 0;
        }
    }
    return 0;
}

/* The attach runner: follows the log until the process ends, the client goes, or the session ends. */
static int follow_log(struct exec_job *j, int *ret_exit_code, husk_error *err)
{
    (void)err;
    char *line = malloc(LINE_MAX_BYTES);
    size_t line_len = 0;
    time_t checked = 0;
    *ret_exit_code = 0;
    while (line != NULL && forward_log(j, line, &line_len) == 0) {
        pthread_mutex_lock(&j->lock);
        bool cancelled = j->cancelled;
        pthread_mutex_unlock(&j->lock);
        if (cancelled)
            break;
        if (time(NULL) != checked) {
            checked = time(NULL);
            if (!still_running(j)) {
                forward_log(j, line, &line_len); /* what it wrote last */
                break;
            }
        }
        struct timespec pause = {0, 200 * 1000000L};
        nanosleep(&pause, NULL);
    }
    free(line);
    return 0;
}

static int64_t restart_count(const json_t *pod, const char *container)
{
    json_t *status;
    size_t i;
    json_array_foreach(objects_get_array(objects_get_object(pod, "status"), "containerStatuses"), i, status)
    {
        const char *name = objects_get_string(status, "name");
        if (name != NULL && strcmp(name, container) == 0)
            return json_integer_value(json_object_get(status, "restartCount"));
    }
    return 0;
}

/* The job for a running container: its log opened at the end; NULL after replying. */
static struct exec_job *follower(const struct api_request *req, json_t *pod, const char *container,
                                 struct api_response *resp)
{
    struct runtime_sandbox *sandbox = api_stream_sandbox(req, pod, resp);
    if (sandbox == NULL)
        return NULL;
    struct exec_job *j = exec_job_new(sandbox, container);
    struct runtime_container_status st = {0};
    husk_error err = {0};
    char path[4096];
    if (j != NULL && runtime_container_status(j->sandbox, container, &st, &err) == 0 &&
        node_pod_log_path(req->server->data_dir, pod, container, restart_count(pod, container), path,
                          sizeof path) == 0)
        j->log_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (j == NULL || j->log_fd < 0) {
        char msg[1024];
        snprintf(msg, sizeof msg, "container %s in pod %s has no output to attach to", container,
                 objects_meta_name(pod));
        api_reply_status(resp, api_status_failure(500, "InternalError", msg, NULL));
        exec_job_unref(j);
        return NULL;
    }
    lseek(j->log_fd, 0, SEEK_END);
    j->pid = st.pid;
    j->run = follow_log;
    return j;
}

void api_pod_attach(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    json_t *pod = api_stream_pod(req, t, resp);
    const char *container = pod ? api_stream_container(req, pod, resp) : NULL;
    struct exec_session *s = container ? exec_session_new(req, resp) : NULL;
    if (s == NULL) {
        json_decref(pod);
        return;
    }
    s->want_in = false; /* output only: stdin is dropped */
    /* The kubelet finds only running containers; its words reach kubectl on the error channel. */
    if (!objects_pod_container_running(pod, container)) {
        snprintf(s->error, sizeof s->error, "unable to upgrade connection: container not found (\"%s\")",
                 container);
    } else if ((s->job = follower(req, pod, container, resp)) == NULL) {
        s->base.free(&s->base);
        json_decref(pod);
        return;
    }
    json_decref(pod);
    exec_session_accept(req, resp, s);
}
