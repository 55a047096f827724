/* GET /api/v1/namespaces/NS/pods/NAME/log: a container's log as kubectl logs reads it. The node writes
 * CRI-format lines ("TIME STREAM F|P MESSAGE"); this turns them back into the container's own output,
 * with ?container, ?previous, ?tailLines, ?timestamps and ?follow (streamed until the container stops). */
#include "api/request.h"
#include "api/resource.h"
#include "api/status.h"
#include "api/stream.h"
#include "node/agent.h"
#include "objects/pod.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct log_reader {
    api_server *server;
    FILE *file;
    bool follow, timestamps;
    char ns[256], name[256], container[256];
    int64_t restart; /* the instance being followed */
    char path[4096]; /* the live log file, reopened when rotation renames it */
    long end;        /* without follow: where the file ended when the request came (-1: follow) */
    char line[65536];
    size_t line_len;
};

/* Writes one CRI line's message (and its timestamp when asked) to out; P lines get no newline. */
static void convert_line(const char *line, bool timestamps, FILE *out)
{
    const char *stream = strchr(line, ' ');
    const char *tag = stream ? strchr(stream + 1, ' ') : NULL;
    const char *msg = tag ? strchr(tag + 1, ' ') : NULL;
    if (msg == NULL) {
        fputs(line, out); /* not CRI: pass it on */
        fputc('\n', out);
        return;
    }
    if (timestamps)
        fprintf(out, "%.*s ", (int)(stream - line), line);
    fputs(msg + 1, out);
    if (tag[1] != 'P')
        fputc('\n', out);
}

static bool still_running(struct log_reader *r)
{
    struct store_key key = {"pods", r->ns, r->name};
    json_t *pod = NULL;
    husk_error err = {0};
    if (store_get(r->server->store, &key, &pod, &err) < 0)
        return false;
    json_t *s = objects_pod_container_status(pod, r->container);
    json_int_t restarts = json_integer_value(json_object_get(s, "restartCount"));
    bool running = json_object_get(json_object_get(s, "state"), "running") != NULL && restarts == r->restart;
    json_decref(pod);
    return running;
}

/* The supervisor rotates a log by renaming it and writing on in a new file of the same name: once the
 * old one is read to its end, follow the new one (as the kubelet's reader does on a rename). */
static bool reopen_if_rotated(struct log_reader *r)
{
    struct stat now, open;
    if (stat(r->path, &now) < 0 || fstat(fileno(r->file), &open) < 0 ||
        (now.st_ino == open.st_ino && now.st_dev == open.st_dev))
        return false;
    FILE *f = fopen(r->path, "re");
    if (f == NULL)
        return false;
    fclose(r->file);
    r->file = f;
    return true;
}

static ssize_t follow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct log_reader *r = cls;
    for (;;) {
        char *data = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&data, &len);
        int ch;
        while (out != NULL && len < max / 2 && (r->end < 0 || ftell(r->file) < r->end) &&
               (ch = fgetc(r->file)) != EOF) {
            if (ch != '\n') {
                if (r->line_len + 1 < sizeof r->line)
                    r->line[r->line_len++] = (char)ch;
                continue;
            }
            r->line[r->line_len] = '\0';
            convert_line(r->line, r->timestamps, out);
            r->line_len = 0;
            fflush(out);
        }
        clearerr(r->file);
        if (out != NULL)
            fclose(out);
        if (len > 0) {
            size_t n = len < max ? len : max;
            memcpy(buf, data, n);
            free(data);
            return (ssize_t)n;
        }
        free(data);
        if (r->follow && reopen_if_rotated(r))
            continue;
        if (!r->follow || !still_running(r))
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (!api_server_wait_change(r->server, 250))
            return MHD_CONTENT_READER_END_OF_STREAM;
    }
}

static void reader_free(void *cls)
{
    struct log_reader *r = cls;
    if (r->file != NULL)
        fclose(r->file);
    free(r);
}

/* Moves f to where its last `lines` lines begin (a negative count: all of it), reading backwards in
 * blocks. The newline that ends the last line does not start a line of its own. */
static void seek_tail(FILE *f, long lines, long size)
{
    if (lines < 0 || fseek(f, size, SEEK_SET) < 0)
        return;
    long end = size, seen = 0;
    if (lines == 0)
        return; /* at the end: nothing */
    char block[65536];
    while (end > 0) {
        long start = end > (long)sizeof block ? end - (long)sizeof block : 0;
        fseek(f, start, SEEK_SET);
        size_t n = fread(block, 1, (size_t)(end - start), f);
        for (size_t i = n; i-- > 0;) {
            if (block[i] == '\n' && start + (long)i != size - 1 && ++seen == lines) {
                fseek(f, start + (long)i + 1, SEEK_SET);
                return;
            }
        }
        end = start;
    }
    fseek(f, 0, SEEK_SET);
}

static int64_t instance(const struct api_request *req, const json_t *status, const char *pod,
                        const char *container, struct api_response *resp)
{
    int64_t restarts = json_integer_value(json_object_get(status, "restartCount"));
    const char *previous = api_request_arg(req, "previous");
    if (previous == NULL || strcmp(previous, "true") != 0)
        return restarts;
    if (restarts == 0) {
        char msg[1024];
        snprintf(msg, sizeof msg, "previous terminated container \"%s\" in pod \"%s\" not found", container,
                 pod);
        api_reply_status(resp, api_status_bad_request(msg));
        return -1;
    }
    return restarts - 1;
}

void api_pod_log(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    struct store_key key = {"pods", t->ns, t->name};
    json_t *pod = NULL;
    husk_error err = {0};
    if (store_get(req->server->store, &key, &pod, &err) < 0) {
        api_reply_store_error(resp, t, t->name, &err);
        return;
    }
    const char *container = api_stream_container(req, pod, resp);
    json_t *status = container ? objects_pod_container_status(pod, container) : NULL;
    char path[4096], msg[1024];
    if (container != NULL && status == NULL) {
        snprintf(msg, sizeof msg, "container \"%s\" in pod \"%s\" is waiting to start: ContainerCreating",
                 container, t->name);
        api_reply_status(resp, api_status_bad_request(msg));
    }
    int64_t n = status ? instance(req, status, t->name, container, resp) : -1;
    struct log_reader *r = n >= 0 ? calloc(1, sizeof *r) : NULL;
    if (r != NULL && (req->server->data_dir == NULL ||
                      node_pod_log_path(req->server->data_dir, pod, container, n, path, sizeof path) < 0 ||
                      (r->file = fopen(path, "re")) == NULL)) {
        snprintf(msg, sizeof msg, "container \"%s\" in pod \"%s\" has no log yet", container, t->name);
        api_reply_status(resp, api_status_bad_request(msg));
        reader_free(r);
        r = NULL;
    }
    if (r != NULL) {
        r->server = req->server;
        r->restart = n;
        r->follow = api_request_arg(req, "follow") && strcmp(api_request_arg(req, "follow"), "true") == 0;
        r->timestamps =
            api_request_arg(req, "timestamps") && strcmp(api_request_arg(req, "timestamps"), "true") == 0;
        snprintf(r->ns, sizeof r->ns, "%s", t->ns);
        snprintf(r->name, sizeof r->name, "%s", t->name);
        snprintf(r->container, sizeof r->container, "%s", container);
        const char *tail = api_request_arg(req, "tailLines");
        snprintf(r->path, sizeof r->path, "%s", path);
        /* The file as it is now: a container writing fast would otherwise keep a plain read going for as
         * long as it writes, and --tail count lines that came after the request. */
        fseek(r->file, 0, SEEK_END);
        long size = ftell(r->file);
        r->end = r->follow ? -1 : size;
        rewind(r->file);
        seek_tail(r->file, tail ? strtol(tail, NULL, 10) : -1, size);
        resp->code = 200;
        resp->raw =
            MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, follow_read, r, reader_free);
        if (resp->raw == NULL)
            reader_free(r);
        else
            MHD_add_response_header(resp->raw, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    }
    json_decref(pod);
}
