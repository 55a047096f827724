/* exec's core (stream_exec.c) and its two transports: WebSocket channels (stream_exec.c) and SPDY streams
 * (stream_exec_spdy.c, kubectl's fallback). Internal to src/api. */
#ifndef HUSK_API_STREAM_EXEC_H
#define HUSK_API_STREAM_EXEC_H

#include "api/stream.h"

#include <jansson.h>
#include <pthread.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The remote-command channels (k8s.io/apimachinery/pkg/util/remotecommand). */
#define EXEC_CHANNEL_STDIN  0
#define EXEC_CHANNEL_STDOUT 1
#define EXEC_CHANNEL_STDERR 2
#define EXEC_CHANNEL_ERROR  3
#define EXEC_CHANNEL_RESIZE 4
#define EXEC_CHANNEL_CLOSE  255

/* What runs for a session, on its own thread; shared with the connection's thread, freed by the last of
 * the two. */
struct exec_job {
    pthread_mutex_t lock;
    int refs;
    bool cancelled; /* the session has ended */
    /* Runs the command (exec) or follows the log (attach), writing to out_fd and err_fd. */
    int (*run)(struct exec_job *j, int *ret_exit_code, husk_error *err);
    struct runtime_sandbox *sandbox;
    char container[256];
    json_t *argv; /* exec: array of strings */
    int log_fd;   /* attach: the log, read from where it ended at the request */
    pid_t pid;    /* attach: the container process followed */
    bool tty;
    int in_fd, out_fd, err_fd; /* the process's ends of the pipes; the job closes them */
    int done_fd;               /* write end: closed when the command has ended */
    int master;                /* a duplicate of the pty master while the command runs; -1 */
    unsigned short rows, cols; /* the last size the client asked for */
    int exit_code;
    char message[HUSK_ERROR_MESSAGE_MAX + 64]; /* why it failed; empty when it ran */
};

struct exec_session {
    struct api_stream base;
    struct exec_job *job;
    bool want_in, want_out, want_err, tty;
    bool spdy;        /* the client asked for SPDY/3.1, not a WebSocket */
    char error[1024]; /* set: no command runs, this goes on the error channel */
};

struct exec_pump;

/* How the client is reached. */
struct exec_transport {
    bool (*pending)(struct exec_pump *p); /* input is buffered: read does not block */
    /* Reads once; hands what came to exec_input / exec_input_end. 1 to go on, 0 when the client is gone. */
    int (*read)(struct exec_pump *p);
    int (*send)(struct exec_pump *p, uint8_t channel, const void *data, size_t len);
    void (*finish)(struct exec_pump *p, const char *status); /* the final Status, then the end */
};

struct exec_pump {
    const struct exec_transport *transport;
    void *conn;    /* the transport's connection */
    int client_fd; /* polled for input */
    struct exec_session *session;
    int stdin_w, out_r, err_r, done_r;
    uint8_t *pending; /* stdin not yet written */
    size_t pending_len;
    bool stdin_eof;
    bool started;    /* the command's pipes exist (before: stdin is kept in pending) */
    uint8_t channel; /* of the WebSocket message whose frames are arriving */
};

/* A job on the sandbox (taken) for the container; NULL when out of memory (the sandbox is freed). */
struct exec_job *exec_job_new(struct runtime_sandbox *sandbox, const char *container);

/* Drops a reference; the last frees the job (and closes its fds and sandbox). Accepts NULL. */
void exec_job_unref(struct exec_job *j);

/* A session with the stdio the request's query asks for (stdin, stdout, stderr, tty); NULL when out of
 * memory, after replying. */
struct exec_session *exec_session_new(const struct api_request *req, struct api_response *resp);

/* Answers the request with 101 for a WebSocket or SPDY, or 400; takes s. */
void exec_session_accept(const struct api_request *req, struct api_response *resp, struct exec_session *s);

/* What the client sent on the stdin or resize channel; -1 when out of memory. */
int exec_input(struct exec_pump *p, uint8_t channel, const uint8_t *data, size_t len);
/* The client's stdin ended. */
void exec_input_end(struct exec_pump *p);

/* Runs the command (or reports the session's error) over the pump's transport until it ends. */
void exec_serve(struct exec_pump *p);

/* Serves a session that came over SPDY (stream_exec_spdy.c). */
void exec_spdy_run(struct exec_session *s, int fd, const uint8_t *extra, size_t extra_len);

/* The protocol to answer a SPDY upgrade with, from the X-Stream-Protocol-Version headers; NULL: none. */
const char *exec_spdy_protocol(const struct api_request *req);

#endif
