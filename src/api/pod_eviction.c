/* POST pods/NAME/eviction: the Eviction subresource (policy/v1, also v1beta1) that `kubectl drain` uses,
 * after pkg/registry/core/pod/storage/eviction.go. An eviction is a deletion of the pod with the
 * Eviction's deleteOptions (its grace period honoured); the reply is a Status with code 201.
 * PodDisruptionBudgets are not checked: husk runs no controllers that would keep one. */
#include "api/resource.h"
#include "api/status.h"
#include "objects/pod.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_pod_evict(const struct api_request *req, const struct api_target *t, struct api_response *resp)
{
    json_error_t error;
    json_t *eviction = json_loadb(req->body, req->body_len, 0, &error);
    const char *kind = objects_get_string(eviction, "kind");
    const char *api_version = objects_get_string(eviction, "apiVersion");
    const char *name = objects_meta_name(eviction);
    char msg[512];
    if (!json_is_object(eviction)) {
        snprintf(msg, sizeof msg, "the body of the request was in an unknown format: %s", error.text);
        api_reply_status(resp, api_status_bad_request(msg));
    } else if (kind != NULL && strcmp(kind, "Eviction") != 0) {
        snprintf(msg, sizeof msg, "expected an Eviction, got %s", kind);
        api_reply_status(resp, api_status_bad_request(msg));
    } else if (api_version != NULL && strcmp(api_version, "policy/v1") != 0 &&
               strcmp(api_version, "policy/v1beta1") != 0) {
        snprintf(msg, sizeof msg, "unsupported Eviction version %s", api_version);
        api_reply_status(resp, api_status_bad_request(msg));
    } else if (name != NULL && name[0] != '\0' && strcmp(name, t->name) != 0) {
        api_reply_status(resp, api_status_bad_request("name in URL does not match name in Eviction object"));
    } else {
        json_t *grace = json_object_get(objects_get_object(eviction, "deleteOptions"), "gracePeriodSeconds");
        const char *rv = objects_get_string(
            objects_get_object(objects_get_object(eviction, "deleteOptions"), "preconditions"),
            "resourceVersion");
        struct api_target pod = *t;
        pod.subresource = NULL;
        api_resource_delete_with(req, &pod, json_is_integer(grace) ? (long)json_integer_value(grace) : -1,
                                 rv != NULL ? strtoll(rv, NULL, 10) : 0, resp);
        if (resp->code == 200) {
            api_reply(resp, 201,
                      json_pack("{s:s, s:s, s:{}, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
                                "metadata", "status", "Success", "code", 201));
        }
    }
    json_decref(eviction);
}
