/* API-server defaulting, the kind table and the pod accessors (src/objects/defaults*.c, kind.c, pod.c). */
#include "harness.h"
#include "objects/decode.h"
#include "objects/defaults.h"
#include "objects/kind.h"
#include "objects/pod.h"

static json_t *load_defaulted(const char *yaml)
{
    json_t *o = NULL;
    husk_error err = {0};
    if (objects_decode_object(yaml, strlen(yaml), "t.yaml", &o, &err) < 0 || objects_default(o, &err) < 0)
        fprintf(stderr, "# %s\n", err.message);
    return o;
}

static const char *at(const json_t *o, const char *path)
{
    static char buf[256];
    const json_t *node = o;
    char segment[64];
    for (const char *p = path; node != NULL && *p != '\0';) {
        size_t n = strcspn(p, ".");
        snprintf(segment, sizeof segment, "%.*s", (int)n, p);
        node = segment[0] >= '0' && segment[0] <= '9' ? json_array_get(node, (size_t)atoi(segment))
                                                      : json_object_get(node, segment);
        p += n + (p[n] == '.');
    }
    if (json_is_string(node))
        return json_string_value(node);
    if (json_is_integer(node))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(node));
    else
        snprintf(buf, sizeof buf, "%s", node == NULL ? "(absent)" : json_is_true(node) ? "true" : "other");
    return buf;
}

TEST(defaults_fill_a_pod_as_the_api_server_does)
{
    json_t *pod = load_defaulted("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                                 "  - name: a\n    image: nginx\n    ports: [{containerPort: 80}]\n"
                                 "    livenessProbe: {httpGet: {port: 80}}\n"
                                 "    resources: {limits: {cpu: 500m}}\n"
                                 "  - name: b\n    image: registry:5000/app:1.0\n    imagePullPolicy: Never\n"
                                 "  - {name: c, image: 'app@sha256:abc'}\n"
                                 "  volumes: [{name: v}, {name: s, secret: {secretName: x}}]\n");
    CHECK(pod != NULL);
    CHECK_STR_EQ(at(pod, "spec.restartPolicy"), "Always");
    CHECK_STR_EQ(at(pod, "spec.dnsPolicy"), "ClusterFirst");
    CHECK_STR_EQ(at(pod, "spec.terminationGracePeriodSeconds"), "30");
    CHECK_STR_EQ(at(pod, "spec.schedulerName"), "default-scheduler");
    CHECK_STR_EQ(at(pod, "spec.enableServiceLinks"), "true");
    CHECK(json_is_object(json_object_get(objects_pod_spec(pod), "securityContext")));
    CHECK_STR_EQ(at(pod, "spec.containers.0.imagePullPolicy"), "Always");
    CHECK_STR_EQ(at(pod, "spec.containers.1.imagePullPolicy"), "Never");
    CHECK_STR_EQ(at(pod, "spec.containers.2.imagePullPolicy"), "IfNotPresent");
    CHECK_STR_EQ(at(pod, "spec.containers.0.terminationMessagePath"), "/dev/termination-log");
    CHECK_STR_EQ(at(pod, "spec.containers.0.terminationMessagePolicy"), "File");
    CHECK_STR_EQ(at(pod, "spec.containers.0.ports.0.protocol"), "TCP");
    CHECK_STR_EQ(at(pod, "spec.containers.0.livenessProbe.timeoutSeconds"), "1");
    CHECK_STR_EQ(at(pod, "spec.containers.0.livenessProbe.periodSeconds"), "10");
    CHECK_STR_EQ(at(pod, "spec.containers.0.livenessProbe.successThreshold"), "1");
    CHECK_STR_EQ(at(pod, "spec.containers.0.livenessProbe.failureThreshold"), "3");
    CHECK_STR_EQ(at(pod, "spec.containers.0.livenessProbe.httpGet.path"), "/");
    CHECK_STR_EQ(at(pod, "spec.containers.0.livenessProbe.httpGet.scheme"), "HTTP");
    CHECK_STR_EQ(at(pod, "spec.containers.0.resources.requests.cpu"), "500m");
    CHECK(json_is_object(
        json_object_get(json_array_get(json_object_get(objects_pod_spec(pod), "volumes"), 0), "emptyDir")));
    CHECK_STR_EQ(at(pod, "spec.volumes.1.secret.defaultMode"), "420");
    json_decref(pod);
}

TEST(defaults_keep_what_the_user_wrote)
{
    json_t *pod =
        load_defaulted("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Never\n"
                       "  terminationGracePeriodSeconds: 5\n  containers: [{name: a, image: 'x:latest', "
                       "imagePullPolicy: IfNotPresent, x-unknown: kept}]\n");
    CHECK_STR_EQ(at(pod, "spec.restartPolicy"), "Never");
    CHECK_STR_EQ(at(pod, "spec.terminationGracePeriodSeconds"), "5");
    CHECK_STR_EQ(at(pod, "spec.containers.0.imagePullPolicy"), "IfNotPresent");
    CHECK_STR_EQ(at(pod, "spec.containers.0.x-unknown"), "kept");
    json_decref(pod);
}

TEST(defaults_fill_workloads_and_their_pod_templates)
{
    json_t *d = load_defaulted("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
                               "  template:\n    spec:\n      containers: [{name: a, image: 'x:1'}]\n");
    CHECK_STR_EQ(at(d, "spec.replicas"), "1");
    CHECK_STR_EQ(at(d, "spec.strategy.type"), "RollingUpdate");
    CHECK_STR_EQ(at(d, "spec.strategy.rollingUpdate.maxSurge"), "25%");
    CHECK_STR_EQ(at(d, "spec.revisionHistoryLimit"), "10");
    CHECK_STR_EQ(at(d, "spec.progressDeadlineSeconds"), "600");
    CHECK_STR_EQ(at(d, "spec.template.spec.restartPolicy"), "Always");
    CHECK_STR_EQ(at(d, "spec.template.spec.containers.0.imagePullPolicy"), "IfNotPresent");
    json_decref(d);
    json_t *c = load_defaulted("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: "
                               "'@daily'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
                               "          containers: [{name: a, image: x}]\n");
    CHECK_STR_EQ(at(c, "spec.concurrencyPolicy"), "Allow");
    CHECK_STR_EQ(at(c, "spec.successfulJobsHistoryLimit"), "3");
    CHECK_STR_EQ(at(c, "spec.jobTemplate.spec.template.spec.dnsPolicy"), "ClusterFirst");
    json_decref(c);
    json_t *j = load_defaulted("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {}\n");
    CHECK_STR_EQ(at(j, "spec.completions"), "1");
    CHECK_STR_EQ(at(j, "spec.parallelism"), "1");
    CHECK_STR_EQ(at(j, "spec.backoffLimit"), "6");
    json_decref(j);
    json_t *s = load_defaulted("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
    CHECK_STR_EQ(at(s, "type"), "Opaque");
    json_decref(s);
}

TEST(defaults_survive_wrongly_typed_fields)
{
    json_t *pod =
        load_defaulted("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: 7\n"
                       "  volumes: [1, [2]]\n  initContainers: [{ports: x, livenessProbe: [], env: [3]}]\n");
    CHECK(pod != NULL);
    json_decref(pod);
    json_t *d = load_defaulted("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: [1]\n");
    CHECK(d != NULL);
    json_decref(d);
}

TEST(kinds_are_found_by_kind_and_by_resource)
{
    const struct objects_kind *k = objects_kind_find("apps/v1", "Deployment");
    CHECK(k != NULL);
    CHECK_STR_EQ(k->resource, "deployments");
    CHECK(k->namespaced);
    CHECK(objects_kind_find_resource("", "v1", "pods") == objects_kind_find("v1", "Pod"));
    CHECK(objects_kind_find_resource("batch", "v1", "cronjobs") != NULL);
    CHECK(!objects_kind_find_resource("", "v1", "namespaces")->namespaced);
    CHECK(objects_kind_find("v1", "Deployment") == NULL);
    size_t count = 0;
    const struct objects_kind *all = objects_kinds(&count);
    CHECK(count >= 12);
    for (size_t i = 0; i < count; i++)
        CHECK(all[i].schema != NULL && all[i].resource != NULL);
}

TEST(pod_qos_class_follows_requests_and_limits)
{
    json_t *best =
        load_defaulted("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: "
                       "a, image: x}]\n");
    json_t *guaranteed =
        load_defaulted("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                       "  - {name: a, image: x, resources: {limits: {cpu: 1, memory: 1Gi}}}\n");
    json_t *burstable =
        load_defaulted("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                       "  - {name: a, image: x, resources: {requests: {cpu: 100m}}}\n");
    CHECK_STR_EQ(objects_pod_qos_class(best), "BestEffort");
    CHECK_STR_EQ(objects_pod_qos_class(guaranteed), "Guaranteed");
    CHECK_STR_EQ(objects_pod_qos_class(burstable), "Burstable");
    int64_t milli = 0;
    CHECK(objects_container_resource_milli(json_array_get(objects_pod_containers(guaranteed), 0), "requests",
                                           "cpu", &milli));
    CHECK_INT_EQ(milli, 1000);
    json_decref(best);
    json_decref(guaranteed);
    json_decref(burstable);
}
