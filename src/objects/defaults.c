/* Pod defaulting as the API server does it (pkg/apis/core/v1/defaults.go: SetDefaults_PodSpec,
 * SetDefaults_Container, SetDefaults_Probe, SetDefaults_Volume, ...); see defaults.h. Only absent fields are
 * set, and fields of the wrong type are left for validation to report. */
#include "objects/defaults.h"
#include "objects/defaults_internal.h"
#include "objects/kind.h"
#include "objects/pod.h"

#include <string.h>

void objects_default_set(json_t *object, const char *key, json_t *value)
{
    json_t *current = json_object_get(object, key);
    if (json_is_object(object) && (current == NULL || json_is_null(current)))
        json_object_set_new(object, key, value);
    else
        json_decref(value);
}

json_t *objects_default_child(json_t *object, const char *key)
{
    objects_default_set(object, key, json_object());
    return objects_get_object(object, key);
}

/* ParseImageName's tag: "latest" when the reference has neither tag nor digest. The tag is after the last
 * ':' that follows the last '/', so "registry:5000/app" has none. */
static const char *image_pull_policy(const char *image)
{
    if (image == NULL || image[0] == '\0')
        return "IfNotPresent";
    if (strchr(image, '@') != NULL) {
        const char *at = strchr(image, '@');
        const char *slash = NULL;
        for (const char *p = image; p < at; p++)
            if (*p == '/')
                slash = p;
        const char *colon = NULL;
        for (const char *p = slash != NULL ? slash : image; p < at; p++)
            if (*p == ':')
                colon = p;
        return colon != NULL && strncmp(colon + 1, "latest", (size_t)(at - colon - 1)) == 0 &&
                       at - colon - 1 == 6
                   ? "Always"
                   : "IfNotPresent";
    }
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash != NULL ? slash : image, ':');
    return colon == NULL || strcmp(colon + 1, "latest") == 0 ? "Always" : "IfNotPresent";
}

static void default_handler(json_t *handler)
{
    json_t *http = objects_get_object(handler, "httpGet");
    objects_default_set(http, "path", json_string("/"));
    objects_default_set(http, "scheme", json_string("HTTP"));
}

static void default_probe(json_t *probe)
{
    if (probe == NULL)
        return;
    objects_default_set(probe, "timeoutSeconds", json_integer(1));
    objects_default_set(probe, "periodSeconds", json_integer(10));
    objects_default_set(probe, "successThreshold", json_integer(1));
    objects_default_set(probe, "failureThreshold", json_integer(3));
    default_handler(probe);
}

/* Requests default to limits, resource by resource (SetDefaults_Pod). */
static void default_requests(json_t *container)
{
    json_t *resources = objects_get_object(container, "resources");
    json_t *limits = objects_get_object(resources, "limits");
    if (limits == NULL || json_object_size(limits) == 0)
        return;
    json_t *requests = objects_default_child(resources, "requests");
    const char *key;
    json_t *value;
    json_object_foreach(limits, key, value)
    {
        objects_default_set(requests, key, json_deep_copy(value));
    }
}

static void default_container(json_t *container, bool host_network)
{
    if (!json_is_object(container))
        return;
    objects_default_set(container, "terminationMessagePath", json_string("/dev/termination-log"));
    objects_default_set(container, "terminationMessagePolicy", json_string("File"));
    objects_default_set(container, "imagePullPolicy",
                        json_string(image_pull_policy(objects_get_string(container, "image"))));
    size_t i;
    json_t *item;
    json_array_foreach(objects_get_array(container, "ports"), i, item)
    {
        objects_default_set(item, "protocol", json_string("TCP"));
        json_t *container_port = json_object_get(item, "containerPort");
        if (host_network && json_is_integer(container_port))
            objects_default_set(item, "hostPort", json_deep_copy(container_port));
    }
    json_array_foreach(objects_get_array(container, "env"), i, item)
    {
        json_t *field_ref = objects_get_object(objects_get_object(item, "valueFrom"), "fieldRef");
        objects_default_set(field_ref, "apiVersion", json_string("v1"));
    }
    default_probe(objects_get_object(container, "livenessProbe"));
    default_probe(objects_get_object(container, "readinessProbe"));
    default_probe(objects_get_object(container, "startupProbe"));
    json_t *lifecycle = objects_get_object(container, "lifecycle");
    default_handler(objects_get_object(lifecycle, "postStart"));
    default_handler(objects_get_object(lifecycle, "preStop"));
    default_requests(container);
}

static const char *const volume_sources[] = {"hostPath",
                                             "emptyDir",
                                             "configMap",
                                             "secret",
                                             "downwardAPI",
                                             "projected",
                                             "persistentVolumeClaim",
                                             "nfs",
                                             "image",
                                             "ephemeral",
                                             "csi",
                                             "gitRepo",
                                             "iscsi",
                                             "rbd",
                                             "cephfs",
                                             "fc",
                                             "gcePersistentDisk",
                                             "awsElasticBlockStore",
                                             "azureDisk",
                                             "azureFile",
                                             NULL};

static void default_volume(json_t *volume)
{
    if (!json_is_object(volume))
        return;
    bool any = false;
    for (size_t i = 0; volume_sources[i] != NULL; i++) {
        json_t *source = json_object_get(volume, volume_sources[i]);
        any |= source != NULL && !json_is_null(source);
    }
    /* A volume that names no source is an emptyDir (SetDefaults_Volume). */
    if (!any)
        objects_default_set(volume, "emptyDir", json_object());
    /* 0644, printed in decimal as the API server stores it. */
    objects_default_set(objects_get_object(volume, "configMap"), "defaultMode", json_integer(420));
    objects_default_set(objects_get_object(volume, "secret"), "defaultMode", json_integer(420));
    objects_default_set(objects_get_object(volume, "downwardAPI"), "defaultMode", json_integer(420));
    objects_default_set(objects_get_object(volume, "projected"), "defaultMode", json_integer(420));
    objects_default_set(objects_get_object(volume, "hostPath"), "type", json_string(""));
    size_t i;
    json_t *source;
    json_array_foreach(objects_get_array(objects_get_object(volume, "projected"), "sources"), i, source)
    {
        objects_default_set(objects_get_object(source, "serviceAccountToken"), "expirationSeconds",
                            json_integer(3600));
    }
}

void objects_default_pod_spec(json_t *spec)
{
    if (!json_is_object(spec))
        return;
    objects_default_set(spec, "dnsPolicy", json_string("ClusterFirst"));
    objects_default_set(spec, "restartPolicy", json_string("Always"));
    objects_default_set(spec, "terminationGracePeriodSeconds", json_integer(30));
    objects_default_set(spec, "securityContext", json_object());
    objects_default_set(spec, "schedulerName", json_string("default-scheduler"));
    objects_default_set(spec, "enableServiceLinks", json_true());
    bool host_network = json_is_true(json_object_get(spec, "hostNetwork"));
    size_t i;
    json_t *item;
    json_array_foreach(objects_get_array(spec, "initContainers"), i, item)
    {
        default_container(item, host_network);
    }
    json_array_foreach(objects_get_array(spec, "containers"), i, item)
    {
        default_container(item, host_network);
    }
    json_array_foreach(objects_get_array(spec, "volumes"), i, item)
    {
        default_volume(item);
    }
}

int objects_default(json_t *object, husk_error *err)
{
    if (!json_is_object(object))
        return husk_error_set(err, 0, "defaulting: the object is not a JSON object");
    const struct objects_kind *kind = objects_kind_of(object);
    if (kind == NULL)
        return 0;
    if (kind->set_defaults != NULL)
        kind->set_defaults(object);
    json_t *template = objects_kind_pod_template(kind, object);
    objects_default_pod_spec(objects_get_object(template, "spec"));
    return 0;
}
