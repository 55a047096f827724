/* Field tables of the core/v1 types (k8s.io/api/core/v1/types.go): ObjectMeta, Pod and everything in it,
 * ConfigMap, Secret, Namespace, Node, Event. Deep, rarely used structures (affinity, status details) are
 * free-form (ANY): kept and round-tripped, not checked. */
#include "objects/schema_fields.h"

const struct objects_field objects_schema_label_selector[] = {
    FIELD("matchLabels", STRING_MAP),
    OBJECT_LIST("matchExpressions",
                ((const struct objects_field[]){FIELD("key", STRING), FIELD("operator", STRING),
                                                FIELD_LIST("values", STRING), FIELDS_END})),
    FIELDS_END,
};

static const struct objects_field owner_reference[] = {
    TYPE_META,
    FIELD("name", STRING),
    FIELD("uid", STRING),
    FIELD("controller", BOOL),
    FIELD("blockOwnerDeletion", BOOL),
    FIELDS_END,
};

const struct objects_field objects_schema_object_meta[] = {
    FIELD("name", STRING),
    FIELD("generateName", STRING),
    FIELD("namespace", STRING),
    FIELD("selfLink", STRING),
    FIELD("uid", STRING),
    FIELD("resourceVersion", STRING),
    FIELD("generation", INT64),
    FIELD("creationTimestamp", STRING),
    FIELD("deletionTimestamp", STRING),
    FIELD("deletionGracePeriodSeconds", INT64),
    FIELD("labels", STRING_MAP),
    FIELD("annotations", STRING_MAP),
    OBJECT_LIST("ownerReferences", owner_reference),
    FIELD_LIST("finalizers", STRING),
    FIELD_LIST("managedFields", ANY),
    FIELDS_END,
};

static const struct objects_field key_to_path[] = {FIELD("key", STRING), FIELD("path", STRING),
                                                   FIELD("mode", INT32), FIELDS_END};
static const struct objects_field object_field_selector[] = {FIELD("apiVersion", STRING),
                                                             FIELD("fieldPath", STRING), FIELDS_END};
static const struct objects_field resource_field_selector[] = {
    FIELD("containerName", STRING), FIELD("resource", STRING), FIELD("divisor", QUANTITY), FIELDS_END};
static const struct objects_field key_selector[] = {FIELD("name", STRING), FIELD("key", STRING),
                                                    FIELD("optional", BOOL), FIELDS_END};
static const struct objects_field env_source_ref[] = {FIELD("name", STRING), FIELD("optional", BOOL),
                                                      FIELDS_END};

static const struct objects_field env_var[] = {
    FIELD("name", STRING),
    FIELD("value", STRING),
    OBJECT("valueFrom", ((const struct objects_field[]){OBJECT("fieldRef", object_field_selector),
                                                        OBJECT("resourceFieldRef", resource_field_selector),
                                                        OBJECT("configMapKeyRef", key_selector),
                                                        OBJECT("secretKeyRef", key_selector), FIELDS_END})),
    FIELDS_END,
};

static const struct objects_field env_from[] = {FIELD("prefix", STRING),
                                                OBJECT("configMapRef", env_source_ref),
                                                OBJECT("secretRef", env_source_ref), FIELDS_END};

static const struct objects_field container_port[] = {
    FIELD("name", STRING),     FIELD("hostPort", INT32), FIELD("containerPort", INT32),
    FIELD("protocol", STRING), FIELD("hostIP", STRING),  FIELDS_END,
};

static const struct objects_field resources[] = {
    FIELD("limits", QUANTITY_MAP),
    FIELD("requests", QUANTITY_MAP),
    OBJECT_LIST("claims", ((const struct objects_field[]){FIELD("name", STRING), FIELD("request", STRING),
                                                          FIELDS_END})),
    FIELDS_END,
};

static const struct objects_field volume_mount[] = {
    FIELD("name", STRING),
    FIELD("readOnly", BOOL),
    FIELD("recursiveReadOnly", STRING),
    FIELD("mountPath", STRING),
    FIELD("subPath", STRING),
    FIELD("mountPropagation", STRING),
    FIELD("subPathExpr", STRING),
    FIELDS_END,
};

static const struct objects_field exec_action[] = {FIELD_LIST("command", STRING), FIELDS_END};
static const struct objects_field http_get[] = {
    FIELD("path", STRING),
    FIELD("port", INT_OR_STRING),
    FIELD("host", STRING),
    FIELD("scheme", STRING),
    OBJECT_LIST("httpHeaders",
                ((const struct objects_field[]){FIELD("name", STRING), FIELD("value", STRING), FIELDS_END})),
    FIELDS_END,
};
static const struct objects_field tcp_socket[] = {FIELD("port", INT_OR_STRING), FIELD("host", STRING),
                                                  FIELDS_END};
static const struct objects_field grpc_action[] = {FIELD("port", INT32), FIELD("service", STRING),
                                                   FIELDS_END};
static const struct objects_field sleep_action[] = {FIELD("seconds", INT64), FIELDS_END};

static const struct objects_field probe[] = {
    OBJECT("exec", exec_action),
    OBJECT("httpGet", http_get),
    OBJECT("tcpSocket", tcp_socket),
    OBJECT("grpc", grpc_action),
    FIELD("initialDelaySeconds", INT32),
    FIELD("timeoutSeconds", INT32),
    FIELD("periodSeconds", INT32),
    FIELD("successThreshold", INT32),
    FIELD("failureThreshold", INT32),
    FIELD("terminationGracePeriodSeconds", INT64),
    FIELDS_END,
};

static const struct objects_field lifecycle_handler[] = {
    OBJECT("exec", exec_action), OBJECT("httpGet", http_get), OBJECT("tcpSocket", tcp_socket),
    OBJECT("sleep", sleep_action), FIELDS_END};

static const struct objects_field lifecycle[] = {OBJECT("postStart", lifecycle_handler),
                                                 OBJECT("preStop", lifecycle_handler),
                                                 FIELD("stopSignal", STRING), FIELDS_END};

static const struct objects_field se_linux_options[] = {
    FIELD("user", STRING), FIELD("role", STRING), FIELD("type", STRING), FIELD("level", STRING), FIELDS_END};
static const struct objects_field profile[] = {FIELD("type", STRING), FIELD("localhostProfile", STRING),
                                               FIELDS_END};

static const struct objects_field security_context[] = {
    OBJECT("capabilities", ((const struct objects_field[]){FIELD_LIST("add", STRING),
                                                           FIELD_LIST("drop", STRING), FIELDS_END})),
    FIELD("privileged", BOOL),
    OBJECT("seLinuxOptions", se_linux_options),
    FIELD("windowsOptions", ANY),
    FIELD("runAsUser", INT64),
    FIELD("runAsGroup", INT64),
    FIELD("runAsNonRoot", BOOL),
    FIELD("readOnlyRootFilesystem", BOOL),
    FIELD("allowPrivilegeEscalation", BOOL),
    FIELD("procMount", STRING),
    OBJECT("seccompProfile", profile),
    OBJECT("appArmorProfile", profile),
    FIELDS_END,
};

static const struct objects_field container[] = {
    FIELD("name", STRING),
    FIELD("image", STRING),
    FIELD_LIST("command", STRING),
    FIELD_LIST("args", STRING),
    FIELD("workingDir", STRING),
    OBJECT_LIST("ports", container_port),
    OBJECT_LIST("envFrom", env_from),
    OBJECT_LIST("env", env_var),
    OBJECT("resources", resources),
    FIELD_LIST("resizePolicy", ANY),
    FIELD("restartPolicy", STRING),
    OBJECT_LIST("volumeMounts", volume_mount),
    OBJECT_LIST("volumeDevices", ((const struct objects_field[]){FIELD("name", STRING),
                                                                 FIELD("devicePath", STRING), FIELDS_END})),
    OBJECT("livenessProbe", probe),
    OBJECT("readinessProbe", probe),
    OBJECT("startupProbe", probe),
    OBJECT("lifecycle", lifecycle),
    FIELD("terminationMessagePath", STRING),
    FIELD("terminationMessagePolicy", STRING),
    FIELD("imagePullPolicy", STRING),
    OBJECT("securityContext", security_context),
    FIELD("stdin", BOOL),
    FIELD("stdinOnce", BOOL),
    FIELD("tty", BOOL),
    FIELD("targetContainerName", STRING), /* ephemeral containers */
    FIELDS_END,
};

static const struct objects_field projected_items[] = {
    FIELD("name", STRING), OBJECT_LIST("items", key_to_path), FIELD("optional", BOOL), FIELDS_END};
static const struct objects_field downward_api_file[] = {
    FIELD("path", STRING), OBJECT("fieldRef", object_field_selector),
    OBJECT("resourceFieldRef", resource_field_selector), FIELD("mode", INT32), FIELDS_END};
static const struct objects_field downward_api[] = {OBJECT_LIST("items", downward_api_file),
                                                    FIELD("defaultMode", INT32), FIELDS_END};

static const struct objects_field projection[] = {
    OBJECT("secret", projected_items),
    OBJECT("configMap", projected_items),
    OBJECT("downwardAPI", downward_api),
    OBJECT("serviceAccountToken",
           ((const struct objects_field[]){FIELD("audience", STRING), FIELD("expirationSeconds", INT64),
                                           FIELD("path", STRING), FIELDS_END})),
    FIELD("clusterTrustBundle", ANY),
    FIELDS_END,
};

static const struct objects_field volume[] = {
    FIELD("name", STRING),
    OBJECT("hostPath",
           ((const struct objects_field[]){FIELD("path", STRING), FIELD("type", STRING), FIELDS_END})),
    OBJECT("emptyDir", ((const struct objects_field[]){FIELD("medium", STRING), FIELD("sizeLimit", QUANTITY),
                                                       FIELDS_END})),
    OBJECT("configMap", ((const struct objects_field[]){
                            FIELD("name", STRING), OBJECT_LIST("items", key_to_path),
                            FIELD("defaultMode", INT32), FIELD("optional", BOOL), FIELDS_END})),
    OBJECT("secret", ((const struct objects_field[]){
                         FIELD("secretName", STRING), OBJECT_LIST("items", key_to_path),
                         FIELD("defaultMode", INT32), FIELD("optional", BOOL), FIELDS_END})),
    OBJECT("downwardAPI", downward_api),
    OBJECT("projected", ((const struct objects_field[]){OBJECT_LIST("sources", projection),
                                                        FIELD("defaultMode", INT32), FIELDS_END})),
    OBJECT("persistentVolumeClaim",
           ((const struct objects_field[]){FIELD("claimName", STRING), FIELD("readOnly", BOOL), FIELDS_END})),
    OBJECT("nfs", ((const struct objects_field[]){FIELD("server", STRING), FIELD("path", STRING),
                                                  FIELD("readOnly", BOOL), FIELDS_END})),
    OBJECT("image", ((const struct objects_field[]){FIELD("reference", STRING), FIELD("pullPolicy", STRING),
                                                    FIELDS_END})),
    FIELD("ephemeral", ANY),
    FIELD("csi", ANY),
    FIELD("gitRepo", ANY),
    FIELD("iscsi", ANY),
    FIELD("rbd", ANY),
    FIELD("cephfs", ANY),
    FIELD("fc", ANY),
    FIELD("gcePersistentDisk", ANY),
    FIELD("awsElasticBlockStore", ANY),
    FIELD("azureDisk", ANY),
    FIELD("azureFile", ANY),
    FIELDS_END,
};

static const struct objects_field pod_security_context[] = {
    OBJECT("seLinuxOptions", se_linux_options),
    FIELD("windowsOptions", ANY),
    FIELD("runAsUser", INT64),
    FIELD("runAsGroup", INT64),
    FIELD("runAsNonRoot", BOOL),
    FIELD_LIST("supplementalGroups", INT64),
    FIELD("supplementalGroupsPolicy", STRING),
    FIELD("fsGroup", INT64),
    OBJECT_LIST("sysctls",
                ((const struct objects_field[]){FIELD("name", STRING), FIELD("value", STRING), FIELDS_END})),
    FIELD("fsGroupChangePolicy", STRING),
    OBJECT("seccompProfile", profile),
    OBJECT("appArmorProfile", profile),
    FIELD("seLinuxChangePolicy", STRING),
    FIELDS_END,
};

static const struct objects_field toleration[] = {
    FIELD("key", STRING),    FIELD("operator", STRING),         FIELD("value", STRING),
    FIELD("effect", STRING), FIELD("tolerationSeconds", INT64), FIELDS_END,
};

static const struct objects_field name_only[] = {FIELD("name", STRING), FIELDS_END};

const struct objects_field objects_schema_pod_spec[] = {
    OBJECT_LIST("volumes", volume),
    OBJECT_LIST("initContainers", container),
    OBJECT_LIST("containers", container),
    OBJECT_LIST("ephemeralContainers", container),
    FIELD("restartPolicy", STRING),
    FIELD("terminationGracePeriodSeconds", INT64),
    FIELD("activeDeadlineSeconds", INT64),
    FIELD("dnsPolicy", STRING),
    FIELD("nodeSelector", STRING_MAP),
    FIELD("serviceAccountName", STRING),
    FIELD("serviceAccount", STRING),
    FIELD("automountServiceAccountToken", BOOL),
    FIELD("nodeName", STRING),
    FIELD("hostNetwork", BOOL),
    FIELD("hostPID", BOOL),
    FIELD("hostIPC", BOOL),
    FIELD("shareProcessNamespace", BOOL),
    OBJECT("securityContext", pod_security_context),
    OBJECT_LIST("imagePullSecrets", name_only),
    FIELD("hostname", STRING),
    FIELD("subdomain", STRING),
    FIELD("affinity", ANY),
    FIELD("schedulerName", STRING),
    OBJECT_LIST("tolerations", toleration),
    OBJECT_LIST("hostAliases", ((const struct objects_field[]){FIELD("ip", STRING),
                                                               FIELD_LIST("hostnames", STRING), FIELDS_END})),
    FIELD("priorityClassName", STRING),
    FIELD("priority", INT32),
    OBJECT("dnsConfig",
           ((const struct objects_field[]){
               FIELD_LIST("nameservers", STRING), FIELD_LIST("searches", STRING),
               OBJECT_LIST("options", ((const struct objects_field[]){FIELD("name", STRING),
                                                                      FIELD("value", STRING), FIELDS_END})),
               FIELDS_END})),
    OBJECT_LIST("readinessGates",
                ((const struct objects_field[]){FIELD("conditionType", STRING), FIELDS_END})),
    FIELD("runtimeClassName", STRING),
    FIELD("enableServiceLinks", BOOL),
    FIELD("preemptionPolicy", STRING),
    FIELD("overhead", QUANTITY_MAP),
    FIELD_LIST("topologySpreadConstraints", ANY),
    FIELD("setHostnameAsFQDN", BOOL),
    OBJECT("os", name_only),
    FIELD("hostUsers", BOOL),
    OBJECT_LIST("schedulingGates", name_only),
    FIELD_LIST("resourceClaims", ANY),
    OBJECT("resources", resources),
    FIELDS_END,
};

static const struct objects_field pod_condition[] = {
    FIELD("type", STRING),
    FIELD("status", STRING),
    FIELD("lastProbeTime", STRING),
    FIELD("lastTransitionTime", STRING),
    FIELD("reason", STRING),
    FIELD("message", STRING),
    FIELD("observedGeneration", INT64),
    FIELDS_END,
};

static const struct objects_field pod_status[] = {
    FIELD("phase", STRING),
    OBJECT_LIST("conditions", pod_condition),
    FIELD("message", STRING),
    FIELD("reason", STRING),
    FIELD("nominatedNodeName", STRING),
    FIELD("hostIP", STRING),
    FIELD_LIST("hostIPs", ANY),
    FIELD("podIP", STRING),
    FIELD_LIST("podIPs", ANY),
    FIELD("startTime", STRING),
    FIELD_LIST("initContainerStatuses", ANY),
    FIELD_LIST("containerStatuses", ANY),
    FIELD_LIST("ephemeralContainerStatuses", ANY),
    FIELD("qosClass", STRING),
    FIELD("resize", STRING),
    FIELD_LIST("resourceClaimStatuses", ANY),
    FIELD("observedGeneration", INT64),
    FIELDS_END,
};

const struct objects_field objects_schema_pod[] = {
    TYPE_META,
    OBJECT("metadata", objects_schema_object_meta),
    OBJECT("spec", objects_schema_pod_spec),
    OBJECT("status", pod_status),
    FIELDS_END,
};

const struct objects_field objects_schema_pod_template_spec[] = {
    OBJECT("metadata", objects_schema_object_meta), OBJECT("spec", objects_schema_pod_spec), FIELDS_END};

const struct objects_field objects_schema_config_map[] = {
    TYPE_META,
    OBJECT("metadata", objects_schema_object_meta),
    FIELD("immutable", BOOL),
    FIELD("data", STRING_MAP),
    FIELD("binaryData", STRING_MAP),
    FIELDS_END,
};

const struct objects_field objects_schema_secret[] = {
    TYPE_META,
    OBJECT("metadata", objects_schema_object_meta),
    FIELD("immutable", BOOL),
    FIELD("data", STRING_MAP),
    FIELD("stringData", STRING_MAP),
    FIELD("type", STRING),
    FIELDS_END,
};

const struct objects_field objects_schema_namespace[] = {
    TYPE_META,
    OBJECT("metadata", objects_schema_object_meta),
    OBJECT("spec", ((const struct objects_field[]){FIELD_LIST("finalizers", STRING), FIELDS_END})),
    OBJECT("status", ((const struct objects_field[]){FIELD("phase", STRING), FIELD_LIST("conditions", ANY),
                                                     FIELDS_END})),
    FIELDS_END,
};

const struct objects_field objects_schema_node[] = {
    TYPE_META,
    OBJECT("metadata", objects_schema_object_meta),
    OBJECT("spec",
           ((const struct objects_field[]){
               FIELD("podCIDR", STRING), FIELD_LIST("podCIDRs", STRING), FIELD("providerID", STRING),
               FIELD("unschedulable", BOOL),
               OBJECT_LIST("taints", ((const struct objects_field[]){
                                         FIELD("key", STRING), FIELD("value", STRING),
                                         FIELD("effect", STRING), FIELD("timeAdded", STRING), FIELDS_END})),
               FIELD("configSource", ANY), FIELD("externalID", STRING), FIELDS_END})),
    FIELD("status", ANY),
    FIELDS_END,
};

const struct objects_field objects_schema_event[] = {
    TYPE_META,
    OBJECT("metadata", objects_schema_object_meta),
    OBJECT("involvedObject",
           ((const struct objects_field[]){TYPE_META, FIELD("namespace", STRING), FIELD("name", STRING),
                                           FIELD("uid", STRING), FIELD("resourceVersion", STRING),
                                           FIELD("fieldPath", STRING), FIELDS_END})),
    FIELD("reason", STRING),
    FIELD("message", STRING),
    OBJECT("source",
           ((const struct objects_field[]){FIELD("component", STRING), FIELD("host", STRING), FIELDS_END})),
    FIELD("firstTimestamp", STRING),
    FIELD("lastTimestamp", STRING),
    FIELD("count", INT32),
    FIELD("type", STRING),
    FIELD("eventTime", STRING),
    FIELD("series", ANY),
    FIELD("action", STRING),
    FIELD("related", ANY),
    FIELD("reportingComponent", STRING),
    FIELD("reportingInstance", STRING),
    FIELDS_END,
};
