/* Field tables of the workload kinds that embed a pod template (k8s.io/api/apps/v1 and batch/v1):
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob. Their status is free-form here. */
#include "objects/schema_fields.h"

/* Each kind's update strategy is a type of its own: a Deployment has no partition, a StatefulSet no maxSurge.
 */
static const struct objects_field rolling_update_deployment[] = {
    FIELD("maxUnavailable", INT_OR_STRING,
          "The maximum number of pods that can be unavailable during the update. Value can be an absolute "
          "number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%."),
    FIELD(
        "maxSurge", INT_OR_STRING,
        "The maximum number of pods that can be scheduled above the desired number of pods. Value can be an "
        "absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%."),
    FIELDS_END_TYPE("io.k8s.api.apps.v1.RollingUpdateDeployment",
                    "Spec to control the desired behavior of rolling update."),
};
static const struct objects_field deployment_strategy[] = {
    FIELD("type", STRING,
          "Type of deployment. Can be \"Recreate\" or \"RollingUpdate\". Default is RollingUpdate."),
    OBJECT("rollingUpdate", rolling_update_deployment,
           "Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate."),
    FIELDS_END_TYPE("io.k8s.api.apps.v1.DeploymentStrategy",
                    "DeploymentStrategy describes how to replace existing pods with new ones."),
};
static const struct objects_field rolling_update_stateful_set[] = {
    FIELD(
        "partition", INT32,
        "Partition indicates the ordinal at which the StatefulSet should be partitioned for updates. Default "
        "value is 0."),
    FIELD("maxUnavailable", INT_OR_STRING,
          "The maximum number of pods that can be unavailable during the update. Defaults to 1."),
    FIELDS_END_TYPE("io.k8s.api.apps.v1.RollingUpdateStatefulSetStrategy",
                    "RollingUpdateStatefulSetStrategy is used to communicate parameter for "
                    "RollingUpdateStatefulSetStrategyType."),
};
static const struct objects_field stateful_set_strategy[] = {
    FIELD("type", STRING,
          "Type indicates the type of the StatefulSetUpdateStrategy. Default is RollingUpdate."),
    OBJECT(
        "rollingUpdate", rolling_update_stateful_set,
        "RollingUpdate is used to communicate parameters when Type is RollingUpdateStatefulSetStrategyType."),
    FIELDS_END_TYPE(
        "io.k8s.api.apps.v1.StatefulSetUpdateStrategy",
        "StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use "
        "to perform updates. It includes any additional parameters necessary to perform the update "
        "for the indicated strategy."),
};
static const struct objects_field rolling_update_daemon_set[] = {
    FIELD("maxUnavailable", INT_OR_STRING,
          "The maximum number of DaemonSet pods that can be unavailable during the update. Default is 1."),
    FIELD("maxSurge", INT_OR_STRING,
          "The maximum number of nodes with an existing available DaemonSet pod that can have an updated "
          "DaemonSet pod during during an update. Default is 0."),
    FIELDS_END_TYPE("io.k8s.api.apps.v1.RollingUpdateDaemonSet",
                    "Spec to control the desired behavior of daemon set rolling update."),
};
static const struct objects_field daemon_set_strategy[] = {
    FIELD("type", STRING,
          "Type of daemon set update. Can be \"RollingUpdate\" or \"OnDelete\". Default is RollingUpdate."),
    OBJECT("rollingUpdate", rolling_update_daemon_set,
           "Rolling update config params. Present only if type = \"RollingUpdate\"."),
    FIELDS_END_TYPE(
        "io.k8s.api.apps.v1.DaemonSetUpdateStrategy",
        "DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet."),
};

#define TEMPLATE OBJECT_REQUIRED("template", objects_schema_pod_template_spec)
#define SELECTOR OBJECT_REQUIRED("selector", objects_schema_label_selector)
#define WORKLOAD(spec_fields, tn, doc)                                                                       \
    {                                                                                                        \
        TYPE_META,                                                                                           \
            OBJECT("metadata", objects_schema_object_meta,                                                   \
                   "Standard object's metadata. More info: "                                                 \
                   "https://git.k8s.io/community/contributors/devel/sig-architecture/"                       \
                   "api-conventions.md#metadata"),                                                           \
            OBJECT("spec", spec_fields, "Specification of the desired behavior of the " doc),                \
            FIELD("status", ANY, "Most recently observed status. Populated by the system. Read-only."),      \
            FIELDS_END_TYPE(tn, ""),                                                                         \
    }

static const struct objects_field deployment_spec[] = {
    FIELD("replicas", INT32,
          "Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. "
          "Defaults to 1."),
    SELECTOR,
    TEMPLATE,
    OBJECT("strategy", deployment_strategy,
           "The deployment strategy to use to replace existing pods with new ones."),
    FIELD("minReadySeconds", INT32,
          "Minimum number of seconds for which a newly created pod should be ready without any of its "
          "container crashing, for it to be considered available. Defaults to 0 (pod will be considered "
          "available as soon as it is ready)"),
    FIELD("revisionHistoryLimit", INT32,
          "The number of old ReplicaSets to retain to allow rollback. Defaults to 10."),
    FIELD("paused", BOOL, "Indicates that the deployment is paused."),
    FIELD("progressDeadlineSeconds", INT32,
          "The maximum time in seconds for a deployment to make progress before it is considered to be "
          "failed. Defaults to 600s."),
    FIELDS_END_TYPE("io.k8s.api.apps.v1.DeploymentSpec",
                    "DeploymentSpec is the specification of the desired behavior of the Deployment."),
};
const struct objects_field objects_schema_deployment[] =
    WORKLOAD(deployment_spec, "io.k8s.api.apps.v1.Deployment", "Deployment.");

static const struct objects_field replica_set_spec[] = {
    FIELD("replicas", INT32), FIELD("minReadySeconds", INT32), SELECTOR, TEMPLATE,
    FIELDS_END_TYPE("io.k8s.api.apps.v1.ReplicaSetSpec",
                    "ReplicaSetSpec is the specification of a ReplicaSet.")};
const struct objects_field objects_schema_replica_set[] =
    WORKLOAD(replica_set_spec, "io.k8s.api.apps.v1.ReplicaSet", "ReplicaSet.");

static const struct objects_field stateful_set_spec[] = {
    FIELD("replicas", INT32),
    SELECTOR,
    TEMPLATE,
    FIELD_LIST("volumeClaimTemplates", ANY),
    FIELD("serviceName", STRING),
    FIELD("podManagementPolicy", STRING),
    OBJECT("updateStrategy", stateful_set_strategy,
           "updateStrategy indicates the StatefulSetUpdateStrategy that will be employed to update Pods in "
           "the StatefulSet when a revision is made to Template."),
    FIELD("revisionHistoryLimit", INT32),
    FIELD("minReadySeconds", INT32),
    OBJECT("persistentVolumeClaimRetentionPolicy",
           ((const struct objects_field[]){FIELD("whenDeleted", STRING), FIELD("whenScaled", STRING),
                                           FIELDS_END})),
    OBJECT("ordinals", ((const struct objects_field[]){FIELD("start", INT32), FIELDS_END})),
    FIELDS_END_TYPE("io.k8s.api.apps.v1.StatefulSetSpec",
                    "A StatefulSetSpec is the specification of a StatefulSet."),
};
const struct objects_field objects_schema_stateful_set[] =
    WORKLOAD(stateful_set_spec, "io.k8s.api.apps.v1.StatefulSet", "StatefulSet.");

static const struct objects_field daemon_set_spec[] = {
    SELECTOR,
    TEMPLATE,
    OBJECT("updateStrategy", daemon_set_strategy,
           "An update strategy to replace existing DaemonSet pods with new pods."),
    FIELD("minReadySeconds", INT32),
    FIELD("revisionHistoryLimit", INT32),
    FIELDS_END_TYPE("io.k8s.api.apps.v1.DaemonSetSpec",
                    "DaemonSetSpec is the specification of a daemon set."),
};
const struct objects_field objects_schema_daemon_set[] =
    WORKLOAD(daemon_set_spec, "io.k8s.api.apps.v1.DaemonSet", "DaemonSet.");

static const struct objects_field job_spec[] = {
    FIELD("parallelism", INT32,
          "Specifies the maximum desired number of pods the job should run at any given time."),
    FIELD("completions", INT32,
          "Specifies the desired number of successfully finished pods the job should be run with."),
    FIELD("activeDeadlineSeconds", INT64,
          "Specifies the duration in seconds relative to the startTime that the job may be continuously "
          "active before the system tries to terminate it; value must be positive integer."),
    FIELD("podFailurePolicy", ANY),
    FIELD("successPolicy", ANY),
    FIELD("backoffLimit", INT32,
          "Specifies the number of retries before marking this job failed. Defaults to 6"),
    FIELD("backoffLimitPerIndex", INT32),
    FIELD("maxFailedIndexes", INT32),
    OBJECT("selector", objects_schema_label_selector,
           "A label query over pods that should match the pod count. Normally, the system sets this field "
           "for you."),
    FIELD("manualSelector", BOOL),
    TEMPLATE,
    FIELD("ttlSecondsAfterFinished", INT32,
          "ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete "
          "or Failed)."),
    FIELD("completionMode", STRING),
    FIELD("suspend", BOOL, "suspend specifies whether the Job controller should create Pods or not."),
    FIELD("podReplacementPolicy", STRING),
    FIELD("managedBy", STRING),
    FIELDS_END_TYPE("io.k8s.api.batch.v1.JobSpec", "JobSpec describes how the job execution will look like."),
};
const struct objects_field objects_schema_job[] = WORKLOAD(job_spec, "io.k8s.api.batch.v1.Job", "Job.");

static const struct objects_field job_template[] = {
    OBJECT("metadata", objects_schema_object_meta), OBJECT("spec", job_spec),
    FIELDS_END_TYPE("io.k8s.api.batch.v1.JobTemplateSpec",
                    "JobTemplateSpec describes the data a Job should have when created from a template")};

static const struct objects_field cron_job_spec[] = {
    FIELD_REQUIRED("schedule", STRING,
                   "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    FIELD("timeZone", STRING,
          "The time zone name for the given schedule, see "
          "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    FIELD("startingDeadlineSeconds", INT64),
    FIELD("concurrencyPolicy", STRING,
          "Specifies how to treat concurrent executions of a Job. Valid values are: \"Allow\" (default), "
          "\"Forbid\" and \"Replace\"."),
    FIELD("suspend", BOOL,
          "This flag tells the controller to suspend subsequent executions, it does not apply to already "
          "started executions.  Defaults to false."),
    OBJECT_REQUIRED("jobTemplate", job_template,
                    "Specifies the job that will be created when executing a CronJob."),
    FIELD("successfulJobsHistoryLimit", INT32),
    FIELD("failedJobsHistoryLimit", INT32),
    FIELDS_END_TYPE(
        "io.k8s.api.batch.v1.CronJobSpec",
        "CronJobSpec describes how the job execution will look like and when it will actually run."),
};
const struct objects_field objects_schema_cron_job[] =
    WORKLOAD(cron_job_spec, "io.k8s.api.batch.v1.CronJob", "CronJob.");
