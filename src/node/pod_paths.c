/* See pod_paths.h. Apart from the agent, so that `husk exec` links only this. */
#include "node/pod_paths.h"

#include "objects/pod.h"

#include <stdio.h>
#include <string.h>

/* Names from the API are validated (DNS labels and subdomains, uids); still refuse anything that could
 * step out of the data dir. */
static bool safe_name(const char *s)
{
    return s != NULL && s[0] != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int node_pod_log_path(const char *data_dir, const json_t *pod, const char *container, int64_t restart,
                      char *buf, size_t size)
{
    const char *ns = objects_meta_namespace(pod), *name = objects_meta_name(pod);
    const char *uid = objects_get_string(objects_get_object(pod, "metadata"), "uid");
    if (!safe_name(ns) || !safe_name(name) || !safe_name(uid) || !safe_name(container) || restart < 0)
        return -1;
    int n = snprintf(buf, size, "%s/logs/%s_%s_%s/%s/%lld.log", data_dir, ns, name, uid, container,
                     (long long)restart);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int node_pod_sandbox_dir(const char *data_dir, const json_t *pod, char *buf, size_t size)
{
    const char *uid = objects_get_string(objects_get_object(pod, "metadata"), "uid");
    if (!safe_name(uid))
        return -1;
    int n = snprintf(buf, size, "%s/pods/%s/sandbox", data_dir, uid);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
