/* Routing a request path to discovery or to a resource handler. Resource paths follow the Kubernetes
 * layout: /api/v1/... for the core group, /apis/GROUP/VERSION/... for the others, then
 * [namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]. */
#include "api/request.h"
#include "api/status.h"
#include "objects/kind.h"

#include <stdio.h>
#include <string.h>

#define MAX_SEGMENTS 10

static json_t *not_found_path(void)
{
    return api_status_failure(404, "NotFound", "the server could not find the requested resource",
                              json_pack("{}"));
}

/* Splits path into segments in buf; returns how many, or -1 when there are too many or it is too long. */
static int split_path(const char *url, char *buf, size_t size, const char **segments)
{
    size_t n = strlen(url);
    if (n + 1 > size)
        return -1;
    memcpy(buf, url, n + 1);
    int count = 0;
    for (char *save = NULL, *tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        if (count == MAX_SEGMENTS)
            return -1;
        segments[count++] = tok;
    }
    return count;
}

/* rest: [namespaces/NS/]RESOURCE[/NAME[/SUB]]. "namespaces/X/Y" is a namespaced RESOURCE Y unless Y is a
 * subresource of the namespace itself ("status", "finalize"). */
static bool parse_resource_path(const char *const *rest, int n, struct api_path *p)
{
    if (n >= 3 && strcmp(rest[0], "namespaces") == 0) {
        const struct objects_kind *k = objects_kind_find_resource(p->group, p->version, rest[2]);
        if (k != NULL && k->namespaced) {
            p->ns = rest[1];
            rest += 2;
            n -= 2;
        }
    }
    if (n < 1 || n > 3)
        return false;
    p->resource = rest[0];
    p->name = n >= 2 ? rest[1] : NULL;
    p->subresource = n == 3 ? rest[2] : NULL;
    return true;
}

/* A name or namespace from the path must be usable as a path segment (apimachinery's
 * IsValidPathSegmentName): not "." or "..", no "/" or "%" (libmicrohttpd has decoded %2F and %2e%2e by now).
 * Writes the problem in apimachinery's words; false when there is none. */
static bool bad_path_segment(const char *what, const char *s, char *msg, size_t size)
{
    const char *problem = NULL;
    if (s == NULL)
        return false;
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        problem = strcmp(s, ".") == 0 ? "may not be '.'" : "may not be '..'";
    else if (strchr(s, '%') != NULL)
        problem = "may not contain '%'";
    if (problem == NULL)
        return false;
    snprintf(msg, size, "invalid %s \"%.300s\": [%s]", what, s, problem);
    return true;
}

void api_route(const struct api_request *req, struct api_response *resp)
{
    char buf[1024];
    const char *seg[MAX_SEGMENTS];
    int n = split_path(req->url, buf, sizeof buf, seg);
    if (n < 0) {
        api_reply_status(resp, not_found_path());
        return;
    }
    if (api_discovery_handle(req, seg, n, resp))
        return;
    struct api_path path = {0};
    int skip = 0;
    if (n >= 3 && strcmp(seg[0], "api") == 0 && strcmp(seg[1], "v1") == 0) {
        path.group = "";
        path.version = "v1";
        skip = 2;
    } else if (n >= 4 && strcmp(seg[0], "apis") == 0) {
        path.group = seg[1];
        path.version = seg[2];
        skip = 3;
    }
    if (skip == 0 || !parse_resource_path(seg + skip, n - skip, &path)) {
        api_reply_status(resp, not_found_path());
        return;
    }
    char msg[512];
    if (bad_path_segment("namespace", path.ns, msg, sizeof msg) ||
        bad_path_segment("resource name", path.name, msg, sizeof msg)) {
        api_reply_status(resp, api_status_bad_request(msg));
        return;
    }
    api_resource_handle(req, &path, resp);
}
