/* Pod volume validation (ValidateVolumes, validateVolumeSource and the per-source checks of
 * pkg/apis/core/validation) for the sources husk mounts: emptyDir, hostPath, configMap, secret,
 * downwardAPI, projected and persistentVolumeClaim; other sources are kept but only counted. */
#include "objects/pod_rules.h"
#include "objects/quantity.h"

#include <stdio.h>
#include <string.h>

#define FILE_MODE_MESSAGE "must be a number between 0 and 0777 (octal), both inclusive"

static const char *const source_names[] = {"emptyDir",
                                           "hostPath",
                                           "gitRepo",
                                           "gcePersistentDisk",
                                           "awsElasticBlockStore",
                                           "secret",
                                           "nfs",
                                           "iscsi",
                                           "persistentVolumeClaim",
                                           "rbd",
                                           "cephfs",
                                           "downwardAPI",
                                           "fc",
                                           "azureFile",
                                           "azureDisk",
                                           "configMap",
                                           "projected",
                                           "csi",
                                           "ephemeral",
                                           "image",
                                           NULL};

static void check_mode(const json_t *object, const char *key, const char *path, struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.%s", path, key);
    int64_t mode = objects_int(object, key, 0);
    if (mode < 0 || mode > 0777)
        objects_err_invalid_int(v, field, mode, FILE_MODE_MESSAGE);
}

/* ValidateLocalNonReservedPath: a relative path without "..", not starting with "..". */
static void check_item_path(const char *value, const char *path, struct objects_validation *v)
{
    objects_validate_local_path(value, path, v);
    if (strncmp(value, "..", 2) == 0 && strncmp(value, "../", 3) != 0)
        objects_err_invalid_string(v, path, value, "must not start with '..'");
}

static void check_items(const json_t *source, const char *path, struct objects_validation *v)
{
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(source, "items"), i, item)
    {
        char p[OBJECTS_PATH_MAX], field[OBJECTS_PATH_MAX];
        objects_path(p, "%s.items[%zu]", path, i);
        objects_path(field, "%s.key", p);
        if (objects_str(item, "key")[0] == '\0')
            objects_err_required(v, field, NULL);
        objects_path(field, "%s.path", p);
        if (objects_str(item, "path")[0] == '\0')
            objects_err_required(v, field, NULL);
        check_item_path(objects_str(item, "path"), field, v);
        check_mode(item, "mode", p, v);
    }
}

static void check_named_source(const json_t *source, const char *name_key, const char *path,
                               struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.%s", path, name_key);
    if (objects_str(source, name_key)[0] == '\0')
        objects_err_required(v, field, NULL);
    check_mode(source, "defaultMode", path, v);
    check_items(source, path, v);
}

static void check_downward_api(const json_t *source, const char *path, struct objects_validation *v)
{
    size_t i;
    json_t *file;
    json_array_foreach(json_object_get(source, "items"), i, file)
    {
        char p[OBJECTS_PATH_MAX], field[OBJECTS_PATH_MAX];
        objects_path(p, "%s.items[%zu]", path, i);
        objects_path(field, "%s.path", p);
        if (objects_str(file, "path")[0] == '\0')
            objects_err_required(v, field, NULL);
        check_item_path(objects_str(file, "path"), field, v);
        bool field_ref = objects_has(file, "fieldRef"), resource_ref = objects_has(file, "resourceFieldRef");
        objects_path(field, "%s.fieldRef", p);
        if (field_ref)
            objects_validate_field_selector(json_object_get(file, "fieldRef"), true, field, v);
        if (field_ref && resource_ref)
            objects_err_invalid_string(v, p, "resource",
                                       "fieldRef and resourceFieldRef can not be specified simultaneously");
        else if (!field_ref && !resource_ref)
            objects_err_required(v, p, "one of fieldRef and resourceFieldRef is required");
        check_mode(file, "mode", p, v);
    }
    check_mode(source, "defaultMode", path, v);
}

static void check_projected(const json_t *source, const char *path, struct objects_validation *v)
{
    size_t i;
    json_t *projection;
    json_array_foreach(json_object_get(source, "sources"), i, projection)
    {
        char p[OBJECTS_PATH_MAX], field[OBJECTS_PATH_MAX];
        static const char *const kinds[] = {"secret", "configMap", "downwardAPI", "serviceAccountToken",
                                            "clusterTrustBundle"};
        int count = 0;
        for (size_t k = 0; k < 5; k++) {
            const json_t *one = json_object_get(projection, kinds[k]);
            if (!json_is_object(one))
                continue;
            objects_path(p, "%s.sources[%zu].%s", path, i, kinds[k]);
            if (count++ > 0) {
                objects_err_forbidden(v, p, "may not specify more than 1 volume type per source");
                continue;
            }
            if (k <= 1) {
                objects_path(field, "%s.name", p);
                if (objects_str(one, "name")[0] == '\0')
                    objects_err_required(v, field, NULL);
                check_items(one, p, v);
            } else if (k == 2) {
                check_downward_api(one, p, v);
            } else if (k == 3) {
                objects_path(field, "%s.expirationSeconds", p);
                int64_t seconds = objects_int(one, "expirationSeconds", 3600);
                if (seconds < 600)
                    objects_err_invalid_int(v, field, seconds,
                                            "may not specify a duration less than 10 minutes");
                objects_path(field, "%s.path", p);
                if (objects_str(one, "path")[0] == '\0')
                    objects_err_required(v, field, NULL);
            }
        }
        if (count == 0) {
            objects_path(p, "%s.sources[%zu]", path, i);
            objects_err_required(
                v, p, "must specify one of: `configMap`, `secret`, `downwardAPI`, `serviceAccountToken`");
        }
    }
    check_mode(source, "defaultMode", path, v);
}

static void check_host_path(const json_t *source, const char *path, struct objects_validation *v)
{
    static const char *const types[] = {
        "",     "BlockDevice",  "CharDevice", "Directory", "DirectoryOrCreate",
        "File", "FileOrCreate", "Socket",     NULL};
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.path", path);
    const char *host_path = objects_str(source, "path");
    if (host_path[0] == '\0') {
        objects_err_required(v, field, NULL);
        return;
    }
    /* validatePathNoBacksteps: no ".." element (the hostPath escapes of CVE-2017-1002101 and kin). */
    for (const char *p = host_path; *p != '\0';) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            objects_err_invalid_string(v, field, host_path, "must not contain '..'");
            break;
        }
        p += n + (p[n] == '/');
    }
    objects_path(field, "%s.type", path);
    if (objects_has(source, "type"))
        objects_check_enum(v, field, objects_str(source, "type"), types);
}

static void check_source(const char *name, const json_t *source, const char *path,
                         struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    if (strcmp(name, "emptyDir") == 0 && objects_has(source, "sizeLimit")) {
        struct objects_quantity q;
        objects_path(field, "%s.sizeLimit", path);
        if (objects_quantity_from_json(json_object_get(source, "sizeLimit"), &q, NULL) == 0 &&
            objects_quantity_sign(&q) < 0)
            objects_err_forbidden(v, field, "SizeLimit field must be a valid resource quantity");
    } else if (strcmp(name, "hostPath") == 0) {
        check_host_path(source, path, v);
    } else if (strcmp(name, "secret") == 0) {
        check_named_source(source, "secretName", path, v);
    } else if (strcmp(name, "configMap") == 0) {
        check_named_source(source, "name", path, v);
    } else if (strcmp(name, "persistentVolumeClaim") == 0) {
        objects_path(field, "%s.claimName", path);
        if (objects_str(source, "claimName")[0] == '\0')
            objects_err_required(v, field, NULL);
    } else if (strcmp(name, "downwardAPI") == 0) {
        check_downward_api(source, path, v);
    } else if (strcmp(name, "projected") == 0) {
        check_projected(source, path, v);
    }
}

static void validate_volume_source(const json_t *volume, const char *path, struct objects_validation *v)
{
    int count = 0;
    for (size_t s = 0; source_names[s] != NULL; s++) {
        const json_t *source = json_object_get(volume, source_names[s]);
        if (!json_is_object(source))
            continue;
        char field[OBJECTS_PATH_MAX];
        objects_path(field, "%s.%s", path, source_names[s]);
        if (count++ > 0)
            objects_err_forbidden(v, field, "may not specify more than 1 volume type");
        else
            check_source(source_names[s], source, field, v);
    }
    if (count == 0)
        objects_err_required(v, path, "must specify a volume type");
}

void objects_validate_volumes(const json_t *volumes, const char *path, json_t *ret_names,
                              struct objects_validation *v)
{
    json_t *seen = json_object();
    size_t i;
    json_t *volume;
    json_array_foreach(volumes, i, volume)
    {
        char p[OBJECTS_PATH_MAX], field[OBJECTS_PATH_MAX];
        objects_path(p, "%s[%zu]", path, i);
        objects_path(field, "%s.name", p);
        size_t before = v->problems->errors;
        validate_volume_source(volume, p, v);
        const char *name = objects_str(volume, "name");
        if (name[0] == '\0')
            objects_err_required(v, field, NULL);
        else
            objects_check_dns_label(v, field, name);
        if (json_object_get(seen, name) != NULL)
            objects_err_duplicate(v, field, name);
        json_object_set_new(seen, name, json_true());
        /* Only a valid volume can be mounted: a mount of a broken one is "Not found", as in Kubernetes. */
        if (v->problems->errors == before)
            json_object_set_new(ret_names, name, json_true());
    }
    json_decref(seen);
}
