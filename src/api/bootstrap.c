/* The namespaces every Kubernetes cluster has from the start; see node.h. */
#include "api/node.h"
#include "api/resource.h"

#include <errno.h>

int api_bootstrap_namespaces(store *s, husk_error *err)
{
    static const char *const names[] = {"default", "kube-system", "kube-public", "kube-node-lease"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char uid[40], ts[32];
        api_random_uid(uid, sizeof uid);
        api_timestamp(ts, sizeof ts, 0);
        json_t *ns = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:{s:[s]}, s:{s:s}}", "apiVersion",
                               "v1", "kind", "Namespace", "metadata", "name", names[i], "uid", uid,
                               "creationTimestamp", ts, "labels", "kubernetes.io/metadata.name", names[i],
                               "spec", "finalizers", "kubernetes", "status", "phase", "Active");
        struct store_key key = {"namespaces", "", names[i]};
        int r = store_create(s, &key, ns, err);
        json_decref(ns);
        if (r < 0 && err->code != EEXIST)
            return husk_error_wrap(err, "creating namespace %s", names[i]);
    }
    return 0;
}
