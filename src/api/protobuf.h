/* Request bodies in Kubernetes' protobuf encoding (application/vnd.kubernetes.protobuf), which kubectl's
 * typed clients send for `kubectl create namespace|configmap|secret`. Only those kinds are decoded (their
 * messages are small and stable), and the Deployment, Job and CronJob of `kubectl create deployment|job|
 * cronjob` (the fields those send, and `create job --from=cronjob/X`'s). Any other kind, or a field not read
 * here that holds more than its zero value, is refused (ENOTSUP) so the caller can reply 415: never stored
 * without it. */
#ifndef HUSK_API_PROTOBUF_H
#define HUSK_API_PROTOBUF_H

#include "base/error.h"

#include <jansson.h>
#include <stddef.h>

/* Decodes the "k8s\0" envelope (runtime.Unknown) and its Namespace, ConfigMap or Secret into the JSON form.
 */
int api_protobuf_decode(const unsigned char *data, size_t len, json_t **ret_object, husk_error *err);

#endif
