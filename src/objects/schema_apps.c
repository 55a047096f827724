/* Field tables of the workload kinds that embed a pod template (k8s.io/api/apps/v1 and batch/v1):
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob. Their status is free-form here. */
#include "objects/schema_fields.h"

static const struct objects_field rolling_update[] = {FIELD("maxUnavailable", INT_OR_STRING),
                                                      FIELD("maxSurge", INT_OR_STRING),
                                                      FIELD("partition", INT32), FIELDS_END};
static const struct objects_field strategy[] = {FIELD("type", STRING),
                                                OBJECT("rollingUpdate", rolling_update), FIELDS_END};

#define TEMPLATE OBJECT("template", objects_schema_pod_template_spec)
#define SELECTOR OBJECT("selector", objects_schema_label_selector)
#define WORKLOAD(spec_fields)                                                                                \
    {                                                                                                        \
        TYPE_META, OBJECT("metadata", objects_schema_object_meta), OBJECT("spec", spec_fields),              \
            FIELD("status", ANY), FIELDS_END,                                                                \
    }

static const struct objects_field deployment_spec[] = {
    FIELD("replicas", INT32),
    SELECTOR,
    TEMPLATE,
    OBJECT("strategy", strategy),
    FIELD("minReadySeconds", INT32),
    FIELD("revisionHistoryLimit", INT32),
    FIELD("paused", BOOL),
    FIELD("progressDeadlineSeconds", INT32),
    FIELDS_END,
};
const struct objects_field objects_schema_deployment[] = WORKLOAD(deployment_spec);

static const struct objects_field replica_set_spec[] = {
    FIELD("replicas", INT32), FIELD("minReadySeconds", INT32), SELECTOR, TEMPLATE, FIELDS_END};
const struct objects_field objects_schema_replica_set[] = WORKLOAD(replica_set_spec);

static const struct objects_field stateful_set_spec[] = {
    FIELD("replicas", INT32),
    SELECTOR,
    TEMPLATE,
    FIELD_LIST("volumeClaimTemplates", ANY),
    FIELD("serviceName", STRING),
    FIELD("podManagementPolicy", STRING),
    OBJECT("updateStrategy", strategy),
    FIELD("revisionHistoryLimit", INT32),
    FIELD("minReadySeconds", INT32),
    OBJECT("persistentVolumeClaimRetentionPolicy",
           ((const struct objects_field[]){FIELD("whenDeleted", STRING), FIELD("whenScaled", STRING),
                                           FIELDS_END})),
    OBJECT("ordinals", ((const struct objects_field[]){FIELD("start", INT32), FIELDS_END})),
    FIELDS_END,
};
const struct objects_field objects_schema_stateful_set[] = WORKLOAD(stateful_set_spec);

static const struct objects_field daemon_set_spec[] = {
    SELECTOR,
    TEMPLATE,
    OBJECT("updateStrategy", strategy),
    FIELD("minReadySeconds", INT32),
    FIELD("revisionHistoryLimit", INT32),
    FIELDS_END,
};
const struct objects_field objects_schema_daemon_set[] = WORKLOAD(daemon_set_spec);

static const struct objects_field job_spec[] = {
    FIELD("parallelism", INT32),
    FIELD("completions", INT32),
    FIELD("activeDeadlineSeconds", INT64),
    FIELD("podFailurePolicy", ANY),
    FIELD("successPolicy", ANY),
    FIELD("backoffLimit", INT32),
    FIELD("backoffLimitPerIndex", INT32),
    FIELD("maxFailedIndexes", INT32),
    SELECTOR,
    FIELD("manualSelector", BOOL),
    TEMPLATE,
    FIELD("ttlSecondsAfterFinished", INT32),
    FIELD("completionMode", STRING),
    FIELD("suspend", BOOL),
    FIELD("podReplacementPolicy", STRING),
    FIELD("managedBy", STRING),
    FIELDS_END,
};
const struct objects_field objects_schema_job[] = WORKLOAD(job_spec);

static const struct objects_field job_template[] = {OBJECT("metadata", objects_schema_object_meta),
                                                    OBJECT("spec", job_spec), FIELDS_END};

static const struct objects_field cron_job_spec[] = {
    FIELD("schedule", STRING),
    FIELD("timeZone", STRING),
    FIELD("startingDeadlineSeconds", INT64),
    FIELD("concurrencyPolicy", STRING),
    FIELD("suspend", BOOL),
    OBJECT("jobTemplate", job_template),
    FIELD("successfulJobsHistoryLimit", INT32),
    FIELD("failedJobsHistoryLimit", INT32),
    FIELDS_END,
};
const struct objects_field objects_schema_cron_job[] = WORKLOAD(cron_job_spec);
