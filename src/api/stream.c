/* The streaming subresources' shared part: upgrade replies, the thread that serves an upgraded connection,
 * and the checks on the pod and container; see stream.h. */
#include "api/stream.h"

#include "api/status.h"
#include "api/websocket.h"
#include "base/log.h"
#include "node/agent.h"
#include "objects/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One upgraded connection being served. */
struct upgraded {
    struct api_stream *session;
    struct MHD_UpgradeResponseHandle *urh;
    int fd;
    uint8_t *extra;
    size_t extra_len;
};

static void *serve_thread(void *arg)
{
    struct upgraded *u = arg;
    struct api_stream *s = u->session;
    api_server *server = s->server;
    /* The socket is ours to read and write with blocking calls (for TLS it is libmicrohttpd's socketpair). */
    int flags = fcntl(u->fd, F_GETFL);
    if (flags >= 0)
        fcntl(u->fd, F_SETFL, flags & ~O_NONBLOCK);
    s->run(s, u->fd, u->extra, u->extra_len);
    api_server_stream_end(server, u->fd);
    MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
    s->free(s);
    free(u->extra);
    free(u);
    return NULL;
}

static void on_upgraded(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
                        size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
    (void)conn;
    (void)con_cls;
    struct api_stream *s = cls;
    struct upgraded *u = calloc(1, sizeof *u);
    if (u != NULL && extra_in_size > 0 && (u->extra = malloc(extra_in_size)) != NULL) {
        memcpy(u->extra, extra_in, extra_in_size);
        u->extra_len = extra_in_size;
    }
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (u != NULL) {
        *u = (struct upgraded){s, urh, sock, u->extra, u->extra_len};
        api_server_stream_begin(s->server, sock);
        if (pthread_create(&thread, &attr, serve_thread, u) == 0) {
            pthread_attr_destroy(&attr);
            return;
        }
        api_server_stream_end(s->server, sock);
        free(u->extra);
        free(u);
    }
    pthread_attr_destroy(&attr);
    log_warn("api: cannot serve an upgraded connection: out of threads or memory");
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    s->free(s);
}

/* The 101 reply that hands the connection to the session once sent. */
static int switching(struct api_response *resp, struct api_stream *s, const char *upgrade)
{
    struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgraded, s);
    if (r == NULL) {
        s->free(s);
        api_reply_status(resp,
                         api_status_failure(500, "InternalError", "cannot upgrade the connection", NULL));
        return -1;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, upgrade);
    resp->code = MHD_HTTP_SWITCHING_PROTOCOLS;
    resp->raw = r;
    return 0;
}

static bool header_has(const struct api_request *req, const char *name, const char *token)
{
    const char *v = api_request_header(req, name);
    return v != NULL && strcasestr(v, token) != NULL;
}

bool api_stream_wants_websocket(const struct api_request *req)
{
    return strcmp(req->method, "GET") == 0 && header_has(req, "Upgrade", "websocket");
}

bool api_stream_wants_spdy(const struct api_request *req)
{
    return header_has(req, "Upgrade", "SPDY/3.1");
}

int api_stream_accept_websocket(const struct api_request *req, struct api_response *resp,
                                const char *const *protocols, struct api_stream *s, int *ret_index)
{
    const char *offered = api_request_header(req, "Sec-WebSocket-Protocol");
    int chosen = -1;
    for (int i = 0; protocols[i] != NULL && chosen < 0; i++)
        if (ws_protocol_offered(offered, protocols[i]))
            chosen = i;
    char accept[32];
    husk_error err = {0};
    if (chosen < 0 ||
        ws_accept_key(api_request_header(req, "Sec-WebSocket-Key"), accept, sizeof accept, &err) < 0) {
        char msg[HUSK_ERROR_MESSAGE_MAX + 64];
        snprintf(msg, sizeof msg, "unable to upgrade connection: %s",
                 chosen < 0 ? "no supported WebSocket subprotocol requested" : err.message);
        s->free(s);
        api_reply_status(resp, api_status_bad_request(msg));
        return -1;
    }
    if (switching(resp, s, "websocket") < 0)
        return -1;
    MHD_add_response_header(resp->raw, "Sec-WebSocket-Accept", accept);
    MHD_add_response_header(resp->raw, "Sec-WebSocket-Protocol", protocols[chosen]);
    *ret_index = chosen;
    return 0;
}

struct offer {
    const char *protocol;
    bool found;
};

static enum MHD_Result find_offer(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct offer *o = cls;
    if (strcasecmp(key, "X-Stream-Protocol-Version") == 0 && value != NULL)
        o->found = o->found || ws_protocol_offered(value, o->protocol);
    return MHD_YES;
}

bool api_stream_spdy_offers(const struct api_request *req, const char *protocol)
{
    struct offer o = {protocol, false};
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, find_offer, &o);
    return o.found;
}

int api_stream_accept_spdy(const struct api_request *req, struct api_response *resp, const char *protocol,
                           struct api_stream *s)
{
    if (!api_stream_spdy_offers(req, protocol)) {
        s->free(s);
        char msg[256];
        snprintf(msg, sizeof msg,
                 "unable to upgrade: unable to negotiate protocol: client supports none of [%s]", protocol);
        api_reply_status(resp, api_status_bad_request(msg));
        return -1;
    }
    if (switching(resp, s, "SPDY/3.1") < 0)
        return -1;
    MHD_add_response_header(resp->raw, "X-Stream-Protocol-Version", protocol);
    return 0;
}

bool api_stream_stopping(const struct api_stream *s)
{
    return api_server_stopping(s->server);
}

json_t *api_stream_pod(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    struct store_key key = {"pods", t->ns, t->name};
    json_t *pod = NULL;
    husk_error err = {0};
    if (store_get(req->server->store, &key, &pod, &err) < 0) {
        api_reply_store_error(resp, t, t->name, &err);
        return NULL;
    }
    return pod;
}

static bool has_container(const json_t *pod, const char *name)
{
    const char *lists[] = {"containers", "initContainers", "ephemeralContainers"};
    for (size_t l = 0; l < 3; l++) {
        size_t i;
        json_t *c;
        json_array_foreach(objects_get_array(objects_pod_spec(pod), lists[l]), i, c)
        {
            const char *n = objects_get_string(c, "name");
            if (n != NULL && strcmp(n, name) == 0)
                return true;
        }
    }
    return false;
}

const char *api_stream_container(const struct api_request *req, const json_t *pod, struct api_response *resp)
{
    const char *wanted = api_request_arg(req, "container");
    json_t *containers = objects_pod_containers(pod);
    char msg[2048];
    if (wanted != NULL && wanted[0] != '\0') {
        if (has_container(pod, wanted))
            return wanted;
        snprintf(msg, sizeof msg, "container %s is not valid for pod %s", wanted, objects_meta_name(pod));
        api_reply_status(resp, api_status_bad_request(msg));
        return NULL;
    }
    if (json_array_size(containers) == 1)
        return objects_get_string(json_array_get(containers, 0), "name");
    char names[1536] = "";
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c)
    {
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", i ? " " : "", objects_get_string(c, "name"));
    }
    snprintf(msg, sizeof msg, "a container name must be specified for pod %s, choose one of: [%s]",
             objects_meta_name(pod), names);
    api_reply_status(resp, api_status_bad_request(msg));
    return NULL;
}

struct runtime_sandbox *api_stream_sandbox(const struct api_request *req, json_t *pod,
                                           struct api_response *resp)
{
    /* A mirror pod stands for a static pod, whose sandbox is named by the static pod's own uid. */
    json_t *meta = objects_get_object(pod, "metadata");
    const char *mirror =
        objects_get_string(objects_get_object(meta, "annotations"), "kubernetes.io/config.mirror");
    if (mirror != NULL)
        json_object_set_new(meta, "uid", json_string(mirror));
    char dir[4096];
    struct runtime_sandbox *sandbox = NULL;
    husk_error err = {0};
    if (req->server->data_dir == NULL ||
        node_pod_sandbox_dir(req->server->data_dir, pod, dir, sizeof dir) < 0 ||
        runtime_sandbox_open(dir, &sandbox, &err) < 0) {
        char msg[1400];
        snprintf(msg, sizeof msg, "pod %s has no sandbox on this node%s%s", objects_meta_name(pod),
                 err.message[0] ? ": " : "", err.message);
        api_reply_status(resp, api_status_failure(500, "InternalError", msg, NULL));
        return NULL;
    }
    return sandbox;
}

char *api_stream_status_text(int exit_code, const char *error_message)
{
    json_t *st;
    if (error_message != NULL) {
        char msg[1400];
        snprintf(msg, sizeof msg, "Internal error occurred: %s", error_message);
        st = api_status_failure(500, "InternalError", msg,
                                json_pack("{s:[{s:s}]}", "causes", "message", error_message));
    } else if (exit_code != 0) {
        /* As the kubelet reports a non-zero exit (remotecommand's v4 error stream): kubectl exits with the
         * ExitCode cause. */
        char msg[256], code[16];
        snprintf(msg, sizeof msg, "command terminated with non-zero exit code: exit status %d", exit_code);
        snprintf(code, sizeof code, "%d", exit_code);
        st = json_pack("{s:{}, s:s, s:s, s:s, s:{s:[{s:s, s:s}]}}", "metadata", "status", "Failure",
                       "message", msg, "reason", "NonZeroExitCode", "details", "causes", "reason", "ExitCode",
                       "message", code);
    } else {
        st = json_pack("{s:{}, s:s}", "metadata", "status", "Success");
    }
    char *text = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    return text;
}
