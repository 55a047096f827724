/* See protobuf.h. A table-driven reader of the protobuf wire format (varints and length-delimited fields)
 * over the field numbers of k8s.io/api/core/v1/generated.proto and apimachinery's meta/v1 and runtime. */
#include "api/protobuf.h"
#include "base/base64.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum pb_kind {
    PB_STRING,
    PB_BYTES,
    PB_BOOL,
    PB_INT64,
    PB_MESSAGE,
    PB_STRING_MAP,
    PB_BYTES_MAP,
    PB_STRINGS,
    PB_TIME,
    PB_MESSAGES, /* a repeated message: a JSON array of objects */
    PB_INT_PTR   /* a pointer integer (*int32): zero is a value, not absence */
};

struct pb_field {
    const char *name;              /* NULL ends a table */
    const struct pb_field *fields; /* PB_MESSAGE */
    unsigned number;
    enum pb_kind kind;
};

struct reader {
    const unsigned char *p, *end;
};

static const struct pb_field owner_reference[] = {
    {"kind", NULL, 1, PB_STRING},     {"name", NULL, 3, PB_STRING},
    {"uid", NULL, 4, PB_STRING},      {"apiVersion", NULL, 5, PB_STRING},
    {"controller", NULL, 6, PB_BOOL}, {"blockOwnerDeletion", NULL, 7, PB_BOOL},
    {NULL, NULL, 0, PB_STRING},
};
static const struct pb_field object_meta[] = {
    {"name", NULL, 1, PB_STRING},
    {"generateName", NULL, 2, PB_STRING},
    {"namespace", NULL, 3, PB_STRING},
    {"uid", NULL, 5, PB_STRING},
    {"resourceVersion", NULL, 6, PB_STRING},
    {"generation", NULL, 7, PB_INT64},
    {"creationTimestamp", NULL, 8, PB_TIME},
    {"labels", NULL, 11, PB_STRING_MAP},
    {"annotations", NULL, 12, PB_STRING_MAP},
    {"ownerReferences", owner_reference, 13, PB_MESSAGES},
    {"finalizers", NULL, 14, PB_STRINGS},
    {NULL, NULL, 0, PB_STRING},
};
static const struct pb_field namespace_spec[] = {{"finalizers", NULL, 1, PB_STRINGS},
                                                 {NULL, NULL, 0, PB_STRING}};
static const struct pb_field namespace_status[] = {{"phase", NULL, 1, PB_STRING}, {NULL, NULL, 0, PB_STRING}};
static const struct pb_field namespace_fields[] = {
    {"metadata", object_meta, 1, PB_MESSAGE},
    {"spec", namespace_spec, 2, PB_MESSAGE},
    {"status", namespace_status, 3, PB_MESSAGE},
    {NULL, NULL, 0, PB_STRING},
};
static const struct pb_field config_map_fields[] = {
    {"metadata", object_meta, 1, PB_MESSAGE},
    {"data", NULL, 2, PB_STRING_MAP},
    {"binaryData", NULL, 3, PB_BYTES_MAP},
    {"immutable", NULL, 4, PB_BOOL},
    {NULL, NULL, 0, PB_STRING},
};
static const struct pb_field secret_fields[] = {
    {"metadata", object_meta, 1, PB_MESSAGE}, {"data", NULL, 2, PB_BYTES_MAP}, {"type", NULL, 3, PB_STRING},
    {"stringData", NULL, 4, PB_STRING_MAP},   {"immutable", NULL, 5, PB_BOOL}, {NULL, NULL, 0, PB_STRING},
};

/* The workload kinds kubectl's typed `create deployment|job|cronjob` send (k8s.io/api apps/v1, batch/v1 and
 * core/v1 generated.proto): the fields those commands set, and the common ones around them. Fields not
 * listed are skipped, so only what is listed here may be sent this way. */
#define PB_END                                                                                               \
    {                                                                                                        \
        NULL, NULL, 0, PB_STRING                                                                             \
    }
static const struct pb_field label_selector_requirement[] = {
    {"key", NULL, 1, PB_STRING}, {"operator", NULL, 2, PB_STRING}, {"values", NULL, 3, PB_STRINGS}, PB_END};
static const struct pb_field label_selector[] = {
    {"matchLabels", NULL, 1, PB_STRING_MAP},
    {"matchExpressions", label_selector_requirement, 2, PB_MESSAGES},
    PB_END};
static const struct pb_field container_port[] = {
    {"name", NULL, 1, PB_STRING},     {"hostPort", NULL, 2, PB_INT64}, {"containerPort", NULL, 3, PB_INT64},
    {"protocol", NULL, 4, PB_STRING}, {"hostIP", NULL, 5, PB_STRING},  PB_END};
static const struct pb_field env_var[] = {
    {"name", NULL, 1, PB_STRING}, {"value", NULL, 2, PB_STRING}, PB_END};
static const struct pb_field container[] = {
    {"name", NULL, 1, PB_STRING},
    {"image", NULL, 2, PB_STRING},
    {"command", NULL, 3, PB_STRINGS},
    {"args", NULL, 4, PB_STRINGS},
    {"workingDir", NULL, 5, PB_STRING},
    {"ports", container_port, 6, PB_MESSAGES},
    {"env", env_var, 7, PB_MESSAGES},
    {"terminationMessagePath", NULL, 13, PB_STRING},
    {"imagePullPolicy", NULL, 14, PB_STRING},
    {"terminationMessagePolicy", NULL, 20, PB_STRING},
    PB_END,
};
static const struct pb_field pod_spec[] = {
    {"containers", container, 2, PB_MESSAGES},
    {"restartPolicy", NULL, 3, PB_STRING},
    {"terminationGracePeriodSeconds", NULL, 4, PB_INT_PTR},
    {"activeDeadlineSeconds", NULL, 5, PB_INT_PTR},
    {"dnsPolicy", NULL, 6, PB_STRING},
    {"nodeSelector", NULL, 7, PB_STRING_MAP},
    {"serviceAccountName", NULL, 8, PB_STRING},
    {"nodeName", NULL, 10, PB_STRING},
    {"schedulerName", NULL, 19, PB_STRING},
    {"initContainers", container, 20, PB_MESSAGES},
    {"enableServiceLinks", NULL, 30, PB_BOOL},
    PB_END,
};
static const struct pb_field pod_template_spec[] = {
    {"metadata", object_meta, 1, PB_MESSAGE}, {"spec", pod_spec, 2, PB_MESSAGE}, PB_END};
static const struct pb_field deployment_spec[] = {
    {"replicas", NULL, 1, PB_INT_PTR},
    {"selector", label_selector, 2, PB_MESSAGE},
    {"template", pod_template_spec, 3, PB_MESSAGE},
    {"minReadySeconds", NULL, 5, PB_INT64},
    {"revisionHistoryLimit", NULL, 6, PB_INT_PTR},
    {"progressDeadlineSeconds", NULL, 9, PB_INT_PTR},
    PB_END,
};
static const struct pb_field deployment_fields[] = {
    {"metadata", object_meta, 1, PB_MESSAGE}, {"spec", deployment_spec, 2, PB_MESSAGE}, PB_END};
static const struct pb_field job_spec[] = {
    {"parallelism", NULL, 1, PB_INT_PTR},
    {"completions", NULL, 2, PB_INT_PTR},
    {"activeDeadlineSeconds", NULL, 3, PB_INT_PTR},
    {"selector", label_selector, 4, PB_MESSAGE},
    {"template", pod_template_spec, 6, PB_MESSAGE},
    {"backoffLimit", NULL, 7, PB_INT_PTR},
    {"ttlSecondsAfterFinished", NULL, 8, PB_INT_PTR},
    {"completionMode", NULL, 9, PB_STRING},
    {"manualSelector", NULL, 5, PB_BOOL},
    {"podReplacementPolicy", NULL, 14, PB_STRING},
    PB_END,
};
static const struct pb_field job_fields[] = {
    {"metadata", object_meta, 1, PB_MESSAGE}, {"spec", job_spec, 2, PB_MESSAGE}, PB_END};
static const struct pb_field job_template_spec[] = {
    {"metadata", object_meta, 1, PB_MESSAGE}, {"spec", job_spec, 2, PB_MESSAGE}, PB_END};
static const struct pb_field cron_job_spec[] = {
    {"schedule", NULL, 1, PB_STRING},
    {"startingDeadlineSeconds", NULL, 2, PB_INT_PTR},
    {"concurrencyPolicy", NULL, 3, PB_STRING},
    {"jobTemplate", job_template_spec, 5, PB_MESSAGE},
    {"successfulJobsHistoryLimit", NULL, 6, PB_INT_PTR},
    {"failedJobsHistoryLimit", NULL, 7, PB_INT_PTR},
    {"timeZone", NULL, 8, PB_STRING},
    PB_END,
};
static const struct pb_field cron_job_fields[] = {
    {"metadata", object_meta, 1, PB_MESSAGE}, {"spec", cron_job_spec, 2, PB_MESSAGE}, PB_END};

static int read_varint(struct reader *r, uint64_t *ret)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        unsigned char b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *ret = v;
            return 0;
        }
    }
    return -1;
}

/* Reads a field's key and, for length-delimited fields, its payload as a sub-reader. */
static int read_field(struct reader *r, unsigned *ret_number, unsigned *ret_wire, uint64_t *ret_varint,
                      struct reader *ret_payload)
{
    uint64_t key, len;
    if (read_varint(r, &key) < 0)
        return -1;
    *ret_number = (unsigned)(key >> 3);
    *ret_wire = (unsigned)(key & 7);
    switch (*ret_wire) {
    case 0:
        return read_varint(r, ret_varint);
    case 1:
    case 5: {
        size_t n = *ret_wire == 1 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return -1;
        r->p += n;
        return 0;
    }
    case 2:
        if (read_varint(r, &len) < 0 || len > (uint64_t)(r->end - r->p))
            return -1;
        *ret_payload = (struct reader){r->p, r->p + len};
        r->p += len;
        return 0;
    default:
        return -1;
    }
}

static json_t *base64(const struct reader *b)
{
    char *text = husk_base64_encode_alloc(b->p, (size_t)(b->end - b->p));
    if (text == NULL)
        return NULL;
    json_t *s = json_string(text);
    free(text);
    return s;
}

/* A map entry message: key = 1, value = 2. */
static int read_map_entry(struct reader *e, bool bytes, json_t *map)
{
    struct reader key = {0}, value = {0}, payload;
    unsigned number, wire;
    uint64_t v;
    while (e->p < e->end) {
        if (read_field(e, &number, &wire, &v, &payload) < 0)
            return -1;
        if (wire == 2 && number == 1)
            key = payload;
        else if (wire == 2 && number == 2)
            value = payload;
    }
    if (key.p == NULL)
        return -1;
    json_t *jv = bytes ? base64(&value) : json_stringn((const char *)value.p, (size_t)(value.end - value.p));
    char *k = strndup((const char *)key.p, (size_t)(key.end - key.p));
    if (k != NULL && jv != NULL)
        json_object_set(map, k, jv);
    json_decref(jv);
    free(k);
    return 0;
}

static json_t *read_time(struct reader *m)
{
    unsigned number, wire;
    uint64_t v, seconds = 0;
    struct reader payload;
    while (m->p < m->end)
        if (read_field(m, &number, &wire, &v, &payload) == 0 && number == 1 && wire == 0)
            seconds = v;
    if (seconds == 0) /* Go writes the zero Time too; JSON has null for it (templates' creationTimestamp) */
        return json_null();
    time_t t = (time_t)seconds;
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

static int decode_message(struct reader *r, const struct pb_field *fields, json_t *out, int depth);

static int decode_value(const struct pb_field *f, unsigned wire, uint64_t v, struct reader *payload,
                        json_t *out, int depth)
{
    json_t *cur = json_object_get(out, f->name);
    /* Generated Go marshallers write every string and integer, empty or not; JSON omits the empty ones. */
    if ((f->kind == PB_STRING && wire == 2 && payload->p == payload->end) ||
        (f->kind == PB_INT64 && wire == 0 && v == 0))
        return 0;
    switch (f->kind) {
    case PB_STRING:
        return wire == 2 ? json_object_set_new(
                               out, f->name,
                               json_stringn((const char *)payload->p, (size_t)(payload->end - payload->p)))
                         : -1;
    case PB_BYTES:
        return wire == 2 ? json_object_set_new(out, f->name, base64(payload)) : -1;
    case PB_BOOL:
        return wire == 0 ? json_object_set_new(out, f->name, json_boolean(v != 0)) : -1;
    case PB_INT64:
    case PB_INT_PTR:
        /* int32 fields carry negative values as 64-bit two's complement varints. */
        return wire == 0 ? json_object_set_new(out, f->name, json_integer((json_int_t)(int64_t)v)) : -1;
    case PB_TIME:
        return wire == 2 ? json_object_set_new(out, f->name, read_time(payload)) : -1;
    case PB_STRINGS:
        if (wire != 2)
            return -1;
        if (!json_is_array(cur))
            json_object_set_new(out, f->name, cur = json_array());
        return json_array_append_new(
            cur, json_stringn((const char *)payload->p, (size_t)(payload->end - payload->p)));
    case PB_STRING_MAP:
    case PB_BYTES_MAP:
        if (wire != 2)
            return -1;
        if (!json_is_object(cur))
            json_object_set_new(out, f->name, cur = json_object());
        return read_map_entry(payload, f->kind == PB_BYTES_MAP, cur);
    case PB_MESSAGES: {
        if (wire != 2)
            return -1;
        if (!json_is_array(cur))
            json_object_set_new(out, f->name, cur = json_array());
        json_t *item = json_object();
        json_array_append_new(cur, item);
        return decode_message(payload, f->fields, item, depth + 1);
    }
    case PB_MESSAGE:
        if (wire != 2)
            return -1;
        if (!json_is_object(cur))
            json_object_set_new(out, f->name, cur = json_object());
        return decode_message(payload, f->fields, cur, depth + 1);
    }
    return -1;
}

/* Whether a field holds only its zero value: Go's generated marshallers write every non-pointer field (empty
 * strings, false, 0, and nested structs whose own fields are all zero), so such a field says nothing. A
 * payload that does not read as such a message (a non-empty string) is not zero. */
static bool zero_valued(unsigned wire, uint64_t v, const struct reader *payload, int depth)
{
    if (wire == 0)
        return v == 0;
    if (wire != 2 || depth > 8)
        return false;
    struct reader m = *payload;
    while (m.p < m.end) {
        unsigned number, inner_wire;
        uint64_t inner_v = 0;
        struct reader inner = {0};
        if (read_field(&m, &number, &inner_wire, &inner_v, &inner) < 0 || number == 0 ||
            !zero_valued(inner_wire, inner_v, &inner, depth + 1))
            return false;
    }
    return true;
}

/* A field not in the table may only hold its zero value: anything else is refused (EPROTO) rather than
 * dropped, so a body with fields husk does not read from protobuf (kubectl create job --from=cronjob/X of
 * a rich template) fails instead of losing them. */
static int decode_message(struct reader *r, const struct pb_field *fields, json_t *out, int depth)
{
    if (depth > 8)
        return -1;
    while (r->p < r->end) {
        unsigned number, wire;
        uint64_t v = 0;
        struct reader payload = {0};
        if (read_field(r, &number, &wire, &v, &payload) < 0)
            return -1;
        bool known = false;
        for (const struct pb_field *f = fields; f->name != NULL; f++) {
            if (f->number != number)
                continue;
            known = true;
            int rc = decode_value(f, wire, v, &payload, out, depth);
            if (rc < 0)
                return rc;
        }
        if (!known && !zero_valued(wire, v, &payload, 0))
            return -2;
    }
    return 0;
}

static char *payload_string(const struct reader *p)
{
    return strndup((const char *)p->p, (size_t)(p->end - p->p));
}

/* runtime.Unknown: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2. */
static int read_envelope(struct reader *r, char **ret_api_version, char **ret_kind, struct reader *ret_raw)
{
    unsigned number, wire;
    uint64_t v;
    struct reader payload;
    while (r->p < r->end) {
        if (read_field(r, &number, &wire, &v, &payload) < 0)
            return -1;
        if (number == 2 && wire == 2) {
            *ret_raw = payload;
        } else if (number == 1 && wire == 2) {
            while (payload.p < payload.end) {
                struct reader s;
                if (read_field(&payload, &number, &wire, &v, &s) < 0)
                    return -1;
                if (number == 1 && wire == 2 && *ret_api_version == NULL)
                    *ret_api_version = payload_string(&s);
                else if (number == 2 && wire == 2 && *ret_kind == NULL)
                    *ret_kind = payload_string(&s);
            }
        }
    }
    return *ret_api_version != NULL && *ret_kind != NULL && ret_raw->p != NULL ? 0 : -1;
}

int api_protobuf_decode(const unsigned char *data, size_t len, json_t **ret_object, husk_error *err)
{
    if (len < 4 || memcmp(data, "k8s\0", 4) != 0)
        return husk_error_set(err, EINVAL, "the protobuf body does not start with the \"k8s\" envelope");
    struct reader r = {data + 4, data + len}, raw = {0};
    char *api_version = NULL, *kind = NULL;
    int rc = read_envelope(&r, &api_version, &kind, &raw);
    const struct pb_field *fields = NULL;
    if (rc == 0 && strcmp(api_version, "v1") == 0)
        fields = strcmp(kind, "Namespace") == 0   ? namespace_fields
                 : strcmp(kind, "ConfigMap") == 0 ? config_map_fields
                 : strcmp(kind, "Secret") == 0    ? secret_fields
                                                  : NULL;
    else if (rc == 0 && strcmp(api_version, "apps/v1") == 0 && strcmp(kind, "Deployment") == 0)
        fields = deployment_fields;
    else if (rc == 0 && strcmp(api_version, "batch/v1") == 0)
        fields = strcmp(kind, "Job") == 0       ? job_fields
                 : strcmp(kind, "CronJob") == 0 ? cron_job_fields
                                                : NULL;
    json_t *obj = NULL;
    if (rc < 0) {
        husk_error_set(err, EINVAL, "the protobuf envelope cannot be decoded");
    } else if (fields == NULL) {
        husk_error_set(err, ENOTSUP, "protobuf bodies of %s %s are not supported; send JSON", api_version,
                       kind);
        rc = -1;
    } else {
        obj = json_pack("{s:s, s:s}", "apiVersion", api_version, "kind", kind);
        rc = decode_message(&raw, fields, obj, 0);
        if (rc == -2)
            husk_error_set(err, ENOTSUP,
                           "the protobuf %s has fields husk does not read from protobuf; send it as JSON",
                           kind);
        else if (rc < 0)
            husk_error_set(err, EINVAL, "the protobuf %s cannot be decoded", kind);
    }
    free(api_version);
    free(kind);
    if (rc < 0) {
        json_decref(obj);
        return -1;
    }
    *ret_object = obj;
    return 0;
}
