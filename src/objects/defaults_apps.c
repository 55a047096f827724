/* Defaults of the workload kinds (pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go) and of
 * Secret and Namespace. The embedded pod template is defaulted by defaults.c like any Pod. */
#include "objects/defaults_internal.h"
#include "objects/kind_rules.h"
#include "objects/pod.h"

#include <string.h>

static json_t *spec_of(json_t *object)
{
    return objects_default_child(object, "spec");
}

/* updateStrategy / strategy: type RollingUpdate, and rollingUpdate's own defaults when that is the type. */
static json_t *default_rolling(json_t *spec, const char *key)
{
    json_t *strategy = objects_default_child(spec, key);
    objects_default_set(strategy, "type", json_string("RollingUpdate"));
    const char *type = objects_get_string(strategy, "type");
    if (type == NULL || strcmp(type, "RollingUpdate") != 0)
        return NULL;
    return objects_default_child(strategy, "rollingUpdate");
}

void objects_default_deployment(json_t *object)
{
    json_t *spec = spec_of(object);
    objects_default_set(spec, "replicas", json_integer(1));
    json_t *rolling = default_rolling(spec, "strategy");
    objects_default_set(rolling, "maxUnavailable", json_string("25%"));
    objects_default_set(rolling, "maxSurge", json_string("25%"));
    objects_default_set(spec, "revisionHistoryLimit", json_integer(10));
    objects_default_set(spec, "progressDeadlineSeconds", json_integer(600));
}

void objects_default_replica_set(json_t *object)
{
    objects_default_set(spec_of(object), "replicas", json_integer(1));
}

void objects_default_stateful_set(json_t *object)
{
    json_t *spec = spec_of(object);
    objects_default_set(spec, "replicas", json_integer(1));
    objects_default_set(spec, "podManagementPolicy", json_string("OrderedReady"));
    objects_default_set(default_rolling(spec, "updateStrategy"), "partition", json_integer(0));
    objects_default_set(spec, "revisionHistoryLimit", json_integer(10));
    json_t *retention = objects_default_child(spec, "persistentVolumeClaimRetentionPolicy");
    objects_default_set(retention, "whenDeleted", json_string("Retain"));
    objects_default_set(retention, "whenScaled", json_string("Retain"));
}

void objects_default_daemon_set(json_t *object)
{
    json_t *spec = spec_of(object);
    json_t *rolling = default_rolling(spec, "updateStrategy");
    objects_default_set(rolling, "maxUnavailable", json_integer(1));
    objects_default_set(rolling, "maxSurge", json_integer(0));
    objects_default_set(spec, "revisionHistoryLimit", json_integer(10));
}

void objects_default_job(json_t *object)
{
    json_t *spec = spec_of(object);
    json_t *completions = json_object_get(spec, "completions");
    json_t *parallelism = json_object_get(spec, "parallelism");
    if ((completions == NULL || json_is_null(completions)) &&
        (parallelism == NULL || json_is_null(parallelism)))
        objects_default_set(spec, "completions", json_integer(1));
    objects_default_set(spec, "parallelism", json_integer(1));
    objects_default_set(spec, "backoffLimit", json_integer(6));
    objects_default_set(spec, "completionMode", json_string("NonIndexed"));
    objects_default_set(spec, "suspend", json_false());
}

void objects_default_cron_job(json_t *object)
{
    json_t *spec = spec_of(object);
    objects_default_set(spec, "concurrencyPolicy", json_string("Allow"));
    objects_default_set(spec, "suspend", json_false());
    objects_default_set(spec, "successfulJobsHistoryLimit", json_integer(3));
    objects_default_set(spec, "failedJobsHistoryLimit", json_integer(1));
}

void objects_default_secret(json_t *object)
{
    objects_default_set(object, "type", json_string("Opaque"));
}

void objects_default_namespace(json_t *object)
{
    json_t *finalizers = json_array();
    json_array_append_new(finalizers, json_string("kubernetes"));
    objects_default_set(spec_of(object), "finalizers", finalizers);
    objects_default_set(objects_default_child(object, "status"), "phase", json_string("Active"));
}
