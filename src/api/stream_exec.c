/* GET /api/v1/namespaces/NS/pods/NAME/exec?command=..&stdin=..&stdout=..&stderr=..&tty=..&container=..
 * upgraded to a WebSocket with the remote-command channel protocol kubectl 1.32 speaks (v5.channel.k8s.io,
 * or v4): each binary message starts with its channel (0 stdin, 1 stdout, 2 stderr, 3 the error channel
 * that carries the final Status, 4 terminal resize as {"Width":W,"Height":H}; v5 adds 255, "close the
 * stream named next", which is how kubectl says that stdin ended).
 *
 * The command runs through the runtime's exec (runtime_container_exec, the same as `husk exec`) on a
 * thread of its own, its stdio on pipes this connection's thread pumps: stdin from the client through a
 * non-blocking pipe (no more frames are read while a chunk is pending, so a slow reader pushes back on
 * the client), stdout and stderr (or the tty) to it. When the process has exited, what is left in the
 * pipes is sent, then the Status: Success, or Failure with reason NonZeroExitCode and an ExitCode cause,
 * which kubectl turns into its own exit code. */
#include "api/status.h"
#include "api/stream_exec.h"
#include "api/websocket.h"
#include "base/cleanup.h"
#include "objects/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The process's ends of the pipes, and the end of the done pipe: the connection sees EOF on its ends. */
static void close_job_fds(struct exec_job *j)
{
    close_fd(&j->in_fd);
    close_fd(&j->out_fd);
    close_fd(&j->err_fd);
    close_fd(&j->done_fd);
}

void exec_job_unref(struct exec_job *j)
{
    if (j == NULL)
        return;
    pthread_mutex_lock(&j->lock);
    int left = --j->refs;
    pthread_mutex_unlock(&j->lock);
    if (left > 0)
        return;
    close_job_fds(j);
    close_fd(&j->log_fd);
    runtime_sandbox_free(j->sandbox);
    json_decref(j->argv);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

static void apply_size(struct exec_job *j)
{
    struct winsize ws = {.ws_row = j->rows, .ws_col = j->cols};
    if (j->master >= 0 && j->rows > 0 && j->cols > 0)
        ioctl(j->master, TIOCSWINSZ, &ws);
}

static void on_tty_master(int master, void *arg)
{
    struct exec_job *j = arg;
    pthread_mutex_lock(&j->lock);
    j->master = master;
    apply_size(j);
    pthread_mutex_unlock(&j->lock);
}

/* The exec runner: the command through the runtime, the same as `husk exec`. */
static int run_command(struct exec_job *j, int *ret_exit_code, husk_error *err)
{
    size_t n = json_array_size(j->argv);
    const char **argv = calloc(n + 1, sizeof *argv);
    if (argv == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        argv[i] = json_string_value(json_array_get(j->argv, i));
    struct runtime_exec_config c = {.argv = argv,
                                    .tty = j->tty,
                                    .stdin_fd = j->in_fd,
                                    .stdout_fd = j->out_fd,
                                    .stderr_fd = j->err_fd,
                                    .tty_master = on_tty_master,
                                    .tty_master_arg = j};
    int r = runtime_container_exec(j->sandbox, j->container, &c, ret_exit_code, err);
    free(argv);
    if (r < 0)
        husk_error_wrap(err, "error executing command in container");
    return r;
}

static void *job_thread(void *arg)
{
    struct exec_job *j = arg;
    husk_error err = {0};
    int code = 0;
    int r = j->run(j, &code, &err);
    pthread_mutex_lock(&j->lock);
    j->exit_code = code;
    if (r < 0)
        snprintf(j->message, sizeof j->message, "%s", err.message);
    close_fd(&j->master);
    close_job_fds(j);
    pthread_mutex_unlock(&j->lock);
    exec_job_unref(j);
    return NULL;
}

struct exec_job *exec_job_new(struct runtime_sandbox *sandbox, const char *container)
{
    struct exec_job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        runtime_sandbox_free(sandbox);
        return NULL;
    }
    *j = (struct exec_job){.refs = 1,
                           .run = run_command,
                           .sandbox = sandbox,
                           .log_fd = -1,
                           .in_fd = -1,
                           .out_fd = -1,
                           .err_fd = -1,
                           .done_fd = -1,
                           .master = -1};
    pthread_mutex_init(&j->lock, NULL);
    snprintf(j->container, sizeof j->container, "%s", container);
    return j;
}

static void set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* A pipe whose first end (mine_read: the read end) is the connection's, non-blocking. */
static int make_pipe(bool mine_read, int *ret_mine, int *ret_theirs)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    *ret_mine = mine_read ? p[0] : p[1];
    *ret_theirs = mine_read ? p[1] : p[0];
    set_nonblocking(*ret_mine);
    return 0;
}

static int open_null(void)
{
    return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static void flush_stdin(struct exec_pump *p)
{
    while (p->pending_len > 0 && p->stdin_w >= 0) {
        ssize_t n = write(p->stdin_w, p->pending, p->pending_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0) { /* the process closed its stdin: drop the rest */
            close_fd(&p->stdin_w);
            p->pending_len = 0;
            break;
        }
        memmove(p->pending, p->pending + n, p->pending_len - (size_t)n);
        p->pending_len -= (size_t)n;
    }
    if (p->pending_len == 0 && p->stdin_eof)
        close_fd(&p->stdin_w);
}

/* Sets up the pipes and starts the job's thread. */
static int start_job(struct exec_session *s, struct exec_pump *p)
{
    struct exec_job *j = s->job;
    int done_w = -1;
    if ((s->want_in && make_pipe(false, &p->stdin_w, &j->in_fd) < 0) ||
        (s->want_out ? make_pipe(true, &p->out_r, &j->out_fd) : (j->out_fd = open_null())) < 0 ||
        (s->want_err && !s->tty ? make_pipe(true, &p->err_r, &j->err_fd) : (j->err_fd = open_null())) < 0 ||
        make_pipe(true, &p->done_r, &done_w) < 0)
        return -1;
    j->done_fd = done_w;
    pthread_t thread;
    pthread_mutex_lock(&j->lock);
    j->refs++;
    pthread_mutex_unlock(&j->lock);
    if (pthread_create(&thread, NULL, job_thread, j) != 0) {
        j->refs--;
        return -1;
    }
    pthread_detach(thread);
    p->started = true;
    flush_stdin(p); /* what came before */
    return 0;
}

static void resize(struct exec_job *j, const uint8_t *data, size_t len)
{
    json_t *size = json_loadb((const char *)data, len, 0, NULL);
    json_int_t w = json_integer_value(json_object_get(size, "Width"));
    json_int_t h = json_integer_value(json_object_get(size, "Height"));
    json_decref(size);
    if (j == NULL || w <= 0 || h <= 0 || w > 65535 || h > 65535)
        return;
    pthread_mutex_lock(&j->lock);
    j->cols = (unsigned short)w;
    j->rows = (unsigned short)h;
    apply_size(j);
    pthread_mutex_unlock(&j->lock);
}

int exec_input(struct exec_pump *p, uint8_t channel, const uint8_t *data, size_t len)
{
    bool stdin_open = p->stdin_w >= 0 || (!p->started && p->session->want_in);
    if (channel == EXEC_CHANNEL_STDIN && stdin_open && len > 0) {
        uint8_t *grown = realloc(p->pending, p->pending_len + len);
        if (grown == NULL)
            return -1;
        memcpy(grown + p->pending_len, data, len);
        p->pending = grown;
        p->pending_len += len;
    } else if (channel == EXEC_CHANNEL_RESIZE) {
        resize(p->session->job, data, len);
    }
    flush_stdin(p);
    return 0;
}

void exec_input_end(struct exec_pump *p)
{
    p->stdin_eof = true;
    flush_stdin(p);
}

/* Sends what one output pipe holds: 1 after sending, 0 when it would block or ended (then it is closed),
 * -1 when the client is gone. */
static int forward_output(struct exec_pump *p, int *fd, uint8_t channel)
{
    uint8_t buf[32769];
    buf[0] = channel;
    ssize_t n;
    while ((n = read(*fd, buf + 1, sizeof buf - 1)) < 0 && errno == EINTR)
        ;
    if (n < 0 && errno == EAGAIN)
        return 0;
    if (n <= 0) {
        close_fd(fd);
        return 0;
    }
    return p->transport->send(p, channel, buf + 1, (size_t)n) < 0 ? -1 : 1;
}

/* Sends all that is left in the output pipes once the command has ended. */
static void drain(struct exec_pump *p)
{
    while (p->out_r >= 0 && forward_output(p, &p->out_r, EXEC_CHANNEL_STDOUT) == 1)
        ;
    while (p->err_r >= 0 && forward_output(p, &p->err_r, EXEC_CHANNEL_STDERR) == 1)
        ;
}

/* Pumps until the command ends (1), or the client leaves or the server stops (0). */
static int pump(struct exec_pump *p)
{
    while (!api_stream_stopping(&p->session->base)) {
        if (p->pending_len == 0 && p->transport->pending(p)) {
            if (p->transport->read(p) <= 0)
                return 0;
            continue;
        }
        struct pollfd fds[5] = {{p->pending_len == 0 ? p->client_fd : -1, POLLIN, 0},
                                {p->pending_len > 0 ? p->stdin_w : -1, POLLOUT, 0},
                                {p->out_r, POLLIN, 0},
                                {p->err_r, POLLIN, 0},
                                {p->done_r, POLLIN, 0}};
        if (poll(fds, 5, 500) < 0 && errno != EINTR)
            return 0;
        if (fds[4].revents != 0) {
            drain(p);
            return 1;
        }
        if (fds[1].revents != 0)
            flush_stdin(p);
        if ((fds[2].revents != 0 && forward_output(p, &p->out_r, EXEC_CHANNEL_STDOUT) < 0) ||
            (fds[3].revents != 0 && forward_output(p, &p->err_r, EXEC_CHANNEL_STDERR) < 0))
            return 0;
        if (fds[0].revents != 0 && p->transport->read(p) <= 0)
            return 0;
    }
    return 0;
}

void exec_serve(struct exec_pump *p)
{
    struct exec_session *s = p->session;
    char message[HUSK_ERROR_MESSAGE_MAX + 64] = "";
    int code = 0;
    bool ended = true;
    if (s->error[0] != '\0') {
        snprintf(message, sizeof message, "%s", s->error);
    } else if (start_job(s, p) < 0) {
        snprintf(message, sizeof message, "error executing command in container: cannot set up its stdio");
    } else if (pump(p) == 1) {
        pthread_mutex_lock(&s->job->lock);
        code = s->job->exit_code;
        snprintf(message, sizeof message, "%s", s->job->message);
        pthread_mutex_unlock(&s->job->lock);
    } else {
        ended = false; /* the client left, or the server stops: no Status */
    }
    cleanup_free char *status = ended ? api_stream_status_text(code, message[0] ? message : NULL) : NULL;
    if (status != NULL)
        p->transport->finish(p, status);
    close_fd(&p->stdin_w);
    close_fd(&p->out_r);
    close_fd(&p->err_r);
    close_fd(&p->done_r);
    free(p->pending);
    p->pending = NULL;
}

/* The WebSocket transport: each message starts with its channel; v5's close message ends stdin. */
static bool ws_pending(struct exec_pump *p)
{
    return ws_conn_has_frame(p->conn);
}

static int ws_read(struct exec_pump *p)
{
    struct ws_frame f;
    bool first = false;
    husk_error err = {0};
    int r = ws_conn_next(p->conn, &f, &first, &err);
    if (r != 1)
        return r == 2 ? 1 : r;
    const uint8_t *data = f.payload;
    size_t len = f.payload_len;
    if (first) {
        if (len == 0)
            return 1;
        p->channel = data[0];
        data++;
        len--;
        if (p->channel == EXEC_CHANNEL_CLOSE) {
            if (len >= 1 && data[0] == EXEC_CHANNEL_STDIN)
                exec_input_end(p);
            return 1;
        }
    } else if (p->channel == EXEC_CHANNEL_RESIZE || p->channel == EXEC_CHANNEL_CLOSE) {
        return 1; /* a resize or close message is one frame */
    }
    return exec_input(p, p->channel, data, len) < 0 ? -1 : 1;
}

static int ws_send(struct exec_pump *p, uint8_t channel, const void *data, size_t len)
{
    husk_error err = {0};
    return ws_conn_send(p->conn, WS_BINARY, &channel, 1, data, len, &err);
}

/* Sends the Status on the error channel, then closes; waits a moment for the client's close. */
static void ws_finish(struct exec_pump *p, const char *status)
{
    struct ws_conn *ws = p->conn;
    husk_error err = {0};
    ws_send(p, EXEC_CHANNEL_ERROR, status, strlen(status));
    ws_conn_close(ws, 1000, &err);
    struct pollfd pfd = {ws->fd, POLLIN, 0};
    struct ws_frame f;
    bool first;
    while (ws_conn_has_frame(ws) || poll(&pfd, 1, 1000) > 0)
        if (ws_conn_next(ws, &f, &first, &err) <= 0)
            break;
}

static const struct exec_transport ws_transport = {ws_pending, ws_read, ws_send, ws_finish};

static void exec_run(struct api_stream *base, int fd, const uint8_t *extra, size_t extra_len)
{
    struct exec_session *s = (struct exec_session *)base;
    if (s->spdy) {
        exec_spdy_run(s, fd, extra, extra_len);
        return;
    }
    struct ws_conn ws;
    husk_error err = {0};
    if (ws_conn_init(&ws, fd, extra, extra_len, &err) < 0)
        return;
    struct exec_pump p = {.transport = &ws_transport,
                          .conn = &ws,
                          .client_fd = fd,
                          .session = s,
                          .stdin_w = -1,
                          .out_r = -1,
                          .err_r = -1,
                          .done_r = -1};
    exec_serve(&p);
    ws_conn_destroy(&ws);
}

static void exec_free(struct api_stream *base)
{
    struct exec_session *s = (struct exec_session *)base;
    if (s->job != NULL) {
        pthread_mutex_lock(&s->job->lock);
        s->job->cancelled = true;
        pthread_mutex_unlock(&s->job->lock);
    }
    exec_job_unref(s->job);
    free(s);
}

static bool truthy(const char *v)
{
    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

static enum MHD_Result add_command(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    if (strcmp(key, "command") == 0 && value != NULL)
        json_array_append_new(cls, json_string(value));
    return MHD_YES;
}

/* The job for a running container; NULL after replying. */
static struct exec_job *new_job(const struct api_request *req, json_t *pod, const char *container,
                                struct api_response *resp)
{
    json_t *argv = json_array();
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, add_command, argv);
    if (json_array_size(argv) == 0) {
        json_decref(argv);
        api_reply_status(resp,
                         api_status_bad_request("you must specify at least one command for the container"));
        return NULL;
    }
    struct runtime_sandbox *sandbox = api_stream_sandbox(req, pod, resp);
    struct exec_job *j = sandbox ? exec_job_new(sandbox, container) : NULL;
    if (j == NULL) {
        json_decref(argv);
        if (sandbox != NULL)
            api_reply_status(resp, api_status_failure(500, "InternalError", "out of memory", NULL));
        return NULL;
    }
    j->argv = argv;
    return j;
}

struct exec_session *exec_session_new(const struct api_request *req, struct api_response *resp)
{
    struct exec_session *s = calloc(1, sizeof *s);
    if (s == NULL) {
        api_reply_status(resp, api_status_failure(500, "InternalError", "out of memory", NULL));
        return NULL;
    }
    s->base = (struct api_stream){req->server, exec_run, exec_free};
    s->want_in = truthy(api_request_arg(req, "stdin"));
    s->want_out = truthy(api_request_arg(req, "stdout"));
    s->want_err = truthy(api_request_arg(req, "stderr"));
    s->tty = truthy(api_request_arg(req, "tty"));
    return s;
}

void exec_session_accept(const struct api_request *req, struct api_response *resp, struct exec_session *s)
{
    if (s->job != NULL)
        s->job->tty = s->tty;
    if (api_stream_wants_websocket(req)) {
        const char *protocols[] = {API_STREAM_V5, API_STREAM_V4, NULL};
        int chosen = 0;
        api_stream_accept_websocket(req, resp, protocols, &s->base, &chosen);
    } else if (api_stream_wants_spdy(req) && exec_spdy_protocol(req) != NULL) {
        s->spdy = true;
        api_stream_accept_spdy(req, resp, exec_spdy_protocol(req), &s->base);
    } else {
        exec_free(&s->base);
        api_reply_status(resp, api_status_bad_request("Upgrade request required"));
    }
}

void api_pod_exec(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    json_t *pod = api_stream_pod(req, t, resp);
    const char *container = pod ? api_stream_container(req, pod, resp) : NULL;
    struct exec_session *s = container ? exec_session_new(req, resp) : NULL;
    if (s == NULL) {
        json_decref(pod);
        return;
    }
    if (!s->want_in && !s->want_out && !s->want_err) {
        api_reply_status(resp,
                         api_status_bad_request("you must specify at least 1 of stdin, stdout, stderr"));
        exec_free(&s->base);
        json_decref(pod);
        return;
    }
    /* The kubelet finds only running containers; its words reach kubectl on the error channel. */
    if (!objects_pod_container_running(pod, container))
        snprintf(s->error, sizeof s->error, "unable to upgrade connection: container not found (\"%s\")",
                 container);
    else if ((s->job = new_job(req, pod, container, resp)) == NULL) {
        exec_free(&s->base);
        json_decref(pod);
        return;
    }
    json_decref(pod);
    exec_session_accept(req, resp, s);
}
