/* Watches: a chunked reply of one JSON event per line, {"type":"ADDED|MODIFIED|DELETED","object":{...}},
 * read from the store's change log after the requested resourceVersion. Without a resourceVersion (or
 * "0") the watch first sends every current object as ADDED, as upstream does. A version older than the log
 * reaches gets one ERROR event carrying a 410 Expired Status, and the client relists. The connection's own
 * thread waits for writes; a lone newline every 15 idle seconds finds clients that went away (JSON
 * decoders skip whitespace between events). */
#include "api/resource.h"
#include "api/selector.h"
#include "api/status.h"
#include "api/table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WATCH_DEFAULT_TIMEOUT 1800
#define WATCH_MAX_TIMEOUT     3600
#define WATCH_BATCH           100
#define WATCH_KEEPALIVE_MS    15000

struct watch_state {
    api_server *server;
    char resource[128];
    char *ns; /* NULL: every namespace */
    api_selector *labels, *fields;
    int64_t rv;
    json_t *queue; /* events waiting to be sent */
    size_t next;
    char *out; /* the encoded event being sent */
    size_t out_len, out_off;
    struct timespec deadline;
    int idle_ms;
    bool finished;
    const struct objects_kind *table_kind; /* non-NULL: objects go out as one-row Tables (kubectl get -w) */
};

static void watch_free(void *cls)
{
    struct watch_state *w = cls;
    api_selector_free(w->labels);
    api_selector_free(w->fields);
    json_decref(w->queue);
    free(w->out);
    free(w->ns);
    free(w);
}

static bool expired(const struct watch_state *w)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec >= w->deadline.tv_sec;
}

static bool selected(const struct watch_state *w, const json_t *obj)
{
    return api_label_selector_matches(w->labels, obj) && api_field_selector_matches(w->fields, obj);
}

/* The type a client of a selecting watch sees, or NULL to skip the event: an object that starts matching
 * is ADDED, one that stops matching is DELETED, as upstream's watch cache reports them. */
static const char *visible_type(const struct watch_state *w, const json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    const json_t *prev = json_object_get(ev, "prev");
    bool now = selected(w, json_object_get(ev, "object"));
    bool was = prev != NULL ? selected(w, prev) : now;
    if (strcmp(type, "MODIFIED") == 0)
        return now && was ? "MODIFIED" : now ? "ADDED" : was ? "DELETED" : NULL;
    return now ? type : NULL;
}

/* The next line to send (malloc'd, its own); NULL (out of memory) ends the watch. */
static bool set_line(struct watch_state *w, char *line)
{
    free(w->out);
    w->out = line;
    w->out_len = line != NULL ? strlen(line) : 0;
    w->out_off = 0;
    w->finished = w->finished || line == NULL;
    return line != NULL;
}

/* Encodes the next queued event that passes the selectors into w->out; false when the queue is empty. */
static bool encode_next(struct watch_state *w)
{
    while (w->next < json_array_size(w->queue)) {
        json_t *ev = json_array_get(w->queue, w->next++);
        const char *type = json_string_value(json_object_get(ev, "type"));
        const char *stored = json_string_value(json_object_get(ev, "text"));
        char *line = NULL;
        if (stored != NULL) /* a watch that neither selects nor makes tables: the stored text as it is */
            return set_line(w, asprintf(&line, "{\"type\":\"%s\",\"object\":%s}\n", type, stored) < 0 ? NULL
                                                                                                      : line);
        if (strcmp(type, "ERROR") == 0)
            w->finished = true;
        else if ((type = visible_type(w, ev)) == NULL)
            continue;
        json_t *object = json_incref(json_object_get(ev, "object"));
        if (w->table_kind != NULL && strcmp(type, "ERROR") != 0) {
            json_t *one = json_pack("[o]", object);
            object = api_table(w->table_kind, one, NULL, time(NULL));
            json_decref(one);
        }
        json_t *out = json_pack("{s:s, s:o}", "type", type, "object", object);
        char *text = json_dumps(out, JSON_COMPACT);
        json_decref(out);
        if (text == NULL)
            continue;
        int n = asprintf(&line, "%s\n", text);
        free(text);
        return set_line(w, n < 0 ? NULL : line);
    }
    return false;
}

/* Refills the queue from the change log; false when nothing is new. */
static bool fetch_changes(struct watch_state *w)
{
    json_t *events = NULL;
    husk_error err = {0};
    bool selecting = !api_selector_empty(w->labels) || !api_selector_empty(w->fields);
    unsigned flags = selecting ? STORE_CHANGES_PREV : w->table_kind == NULL ? STORE_CHANGES_TEXT : 0;
    if (store_changes(w->server->store, w->resource, w->ns, w->rv, WATCH_BATCH, flags, &events, &err) < 0) {
        json_t *st = err.code == ERANGE ? api_status_failure(410, "Expired", err.message, NULL)
                                        : api_status_failure(500, "InternalError", err.message, NULL);
        events = json_pack("[{s:s, s:o}]", "type", "ERROR", "object", st);
    }
    size_t n = json_array_size(events);
    if (n > 0) {
        const json_t *ev = json_array_get(events, n - 1);
        int64_t last = json_object_get(ev, "rv") != NULL
                           ? (int64_t)json_integer_value(json_object_get(ev, "rv"))
                           : store_object_rv(json_object_get(ev, "object"));
        if (last > w->rv)
            w->rv = last;
    }
    json_decref(w->queue);
    w->queue = events;
    w->next = 0;
    return n > 0;
}

static void set_out(struct watch_state *w, const char *text)
{
    free(w->out);
    w->out = strdup(text);
    w->out_len = w->out ? strlen(text) : 0;
    w->out_off = 0;
}

static ssize_t watch_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct watch_state *w = cls;
    for (;;) {
        if (w->out_off < w->out_len) {
            size_t n = w->out_len - w->out_off;
            if (n > max)
                n = max;
            memcpy(buf, w->out + w->out_off, n);
            w->out_off += n;
            return (ssize_t)n;
        }
        if (encode_next(w))
            continue;
        if (w->finished || expired(w))
            return MHD_CONTENT_READER_END_OF_STREAM;
        uint64_t seen = api_server_change_count(w->server);
        if (fetch_changes(w))
            continue;
        if (!api_server_wait_change_since(w->server, seen, 1000))
            return MHD_CONTENT_READER_END_OF_STREAM;
        w->idle_ms += 1000;
        if (w->idle_ms >= WATCH_KEEPALIVE_MS) {
            w->idle_ms = 0;
            set_out(w, "\n");
        }
    }
}

/* Without a resourceVersion the watch starts with the current objects, as ADDED events. */
static int initial_events(struct watch_state *w, husk_error *err)
{
    json_t *items = NULL, *obj;
    if (store_list(w->server->store, w->resource, w->ns, &items, &w->rv, err) < 0)
        return -1;
    w->queue = json_array();
    size_t i;
    json_array_foreach(items, i, obj)
    {
        json_array_append_new(w->queue, json_pack("{s:s, s:O}", "type", "ADDED", "object", obj));
    }
    json_decref(items);
    return 0;
}

static int watch_setup(const struct api_request *req, const struct api_target *t, struct watch_state *w,
                       husk_error *err)
{
    if (api_label_selector_parse(api_request_arg(req, "labelSelector"), &w->labels, err) < 0 ||
        api_field_selector_parse(api_request_arg(req, "fieldSelector"), t->kind->resource, &w->fields, err) <
            0)
        return -1;
    /* A watch on one name is a watch on the collection with a metadata.name field selector. */
    if (t->name != NULL) {
        char sel[384];
        snprintf(sel, sizeof sel, "metadata.name=%s", t->name);
        api_selector_free(w->fields);
        w->fields = NULL;
        if (api_field_selector_parse(sel, t->kind->resource, &w->fields, err) < 0)
            return -1;
    }
    const char *timeout = api_request_arg(req, "timeoutSeconds");
    long seconds = timeout ? strtol(timeout, NULL, 10) : WATCH_DEFAULT_TIMEOUT;
    if (seconds <= 0 || seconds > WATCH_MAX_TIMEOUT)
        seconds = seconds <= 0 ? WATCH_DEFAULT_TIMEOUT : WATCH_MAX_TIMEOUT;
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    w->deadline.tv_sec += seconds;
    const char *rv = api_request_arg(req, "resourceVersion");
    if (rv == NULL || rv[0] == '\0' || strcmp(rv, "0") == 0)
        return initial_events(w, err);
    char *end = NULL;
    long long v = strtoll(rv, &end, 10);
    if (*end != '\0' || v < 0)
        return husk_error_set(err, EINVAL, "invalid resourceVersion \"%s\"", rv);
    w->rv = v;
    w->queue = json_array();
    return 0;
}

void api_watch_start(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    struct watch_state *w = calloc(1, sizeof *w);
    if (w == NULL) {
        api_reply_status(resp, api_status_failure(500, "InternalError", "out of memory", NULL));
        return;
    }
    w->server = req->server;
    if (api_table_wanted(api_request_header(req, "Accept")))
        w->table_kind = t->kind;
    snprintf(w->resource, sizeof w->resource, "%s", t->resource);
    w->ns = t->ns ? strdup(t->ns) : NULL;
    husk_error err = {0};
    if (watch_setup(req, t, w, &err) < 0) {
        api_reply_status(resp, err.code == EINVAL
                                   ? api_status_bad_request(err.message)
                                   : api_status_failure(500, "InternalError", err.message, NULL));
        watch_free(w);
        return;
    }
    resp->code = 200;
    resp->raw = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, watch_read, w, watch_free);
    if (resp->raw == NULL) {
        watch_free(w);
        api_reply_status(resp, api_status_failure(500, "InternalError", "cannot start the watch", NULL));
        return;
    }
    MHD_add_response_header(resp->raw, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
}
