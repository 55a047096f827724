/* See limits.h. */
#include "node/limits.h"

#include "objects/quantity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const signal_names[NODE_SIGNALS] = {
    [NODE_SIGNAL_MEMORY_AVAILABLE] = "memory.available",
    [NODE_SIGNAL_NODEFS_AVAILABLE] = "nodefs.available",
    [NODE_SIGNAL_NODEFS_INODES_FREE] = "nodefs.inodesFree",
    [NODE_SIGNAL_IMAGEFS_AVAILABLE] = "imagefs.available",
};

const char *node_eviction_signal_name(enum node_eviction_signal signal)
{
    return signal < NODE_SIGNALS ? signal_names[signal] : "unknown";
}

void node_limits_default(struct node_limits *ret)
{
    *ret = (struct node_limits){
        .container_log_max_bytes = 10 * 1024 * 1024,
        .container_log_max_files = 5,
        .pod_pids_limit = 4096,
        .housekeeping_interval_ms = 2000,
    };
    ret->eviction_hard[NODE_SIGNAL_MEMORY_AVAILABLE] = (struct node_eviction_threshold){true, 100 << 20, 0};
    ret->eviction_hard[NODE_SIGNAL_NODEFS_AVAILABLE] = (struct node_eviction_threshold){true, 0, 0.10};
    ret->eviction_hard[NODE_SIGNAL_NODEFS_INODES_FREE] = (struct node_eviction_threshold){true, 0, 0.05};
    ret->eviction_hard[NODE_SIGNAL_IMAGEFS_AVAILABLE] = (struct node_eviction_threshold){true, 0, 0.15};
}

int node_limits_parse_size(const char *text, int64_t *ret_bytes, husk_error *err)
{
    struct objects_quantity q;
    if (objects_quantity_parse(text, &q, err) < 0)
        return husk_error_set(err, EINVAL, "invalid size %s: %s", text, err->message);
    int64_t value = objects_quantity_value(&q);
    if (value <= 0)
        return husk_error_set(err, EINVAL, "invalid size %s: must be positive", text);
    *ret_bytes = value;
    return 0;
}

/* "SIGNAL<VALUE" into thresholds. */
static int parse_one(char *item, struct node_eviction_threshold *thresholds, husk_error *err)
{
    char *lt = strchr(item, '<');
    if (lt == NULL)
        return husk_error_set(err, EINVAL, "invalid eviction threshold %s: want SIGNAL<QUANTITY", item);
    *lt = '\0';
    const char *value = lt + 1;
    size_t s = 0;
    while (s < NODE_SIGNALS && strcmp(item, signal_names[s]) != 0)
        s++;
    if (s == NODE_SIGNALS)
        return husk_error_set(err, EINVAL, "unsupported eviction signal %s", item);
    struct node_eviction_threshold t = {.set = true};
    size_t len = strlen(value);
    if (len > 0 && value[len - 1] == '%') {
        char *end = NULL;
        double percent = strtod(value, &end);
        if (end != value + len - 1 || !(percent > 0 && percent <= 100))
            return husk_error_set(err, EINVAL,
                                  "invalid eviction threshold %s<%s: percentage must be > 0 and <= 100%%",
                                  item, value);
        t.percentage = percent / 100;
    } else {
        struct objects_quantity q;
        if (objects_quantity_parse(value, &q, err) < 0)
            return husk_error_set(err, EINVAL, "invalid eviction threshold %s<%s: %s", item, value,
                                  err->message);
        if (objects_quantity_sign(&q) < 0)
            return husk_error_set(err, EINVAL, "eviction threshold %s must be positive: %s", item, value);
        t.quantity = objects_quantity_value(&q);
    }
    thresholds[s] = t;
    return 0;
}

int node_limits_parse_eviction_hard(const char *text, struct node_limits *limits, husk_error *err)
{
    struct node_eviction_threshold thresholds[NODE_SIGNALS] = {{0}};
    char *copy = strdup(text);
    if (copy == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    int r = 0;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item != NULL && r == 0;
         item = strtok_r(NULL, ",", &save))
        r = parse_one(item, thresholds, err);
    free(copy);
    if (r < 0)
        return -1;
    memcpy(limits->eviction_hard, thresholds, sizeof thresholds);
    return 0;
}

void node_limits_apply_to_sandbox(const struct node_limits *limits, struct runtime_sandbox_config *config)
{
    if (limits->pod_pids_limit < 0)
        config->resources.pids_limit = 0;
    else if (limits->pod_pids_limit > 0)
        config->resources.pids_limit = limits->pod_pids_limit;
}

void node_limits_apply_to_container(const struct node_limits *limits, struct runtime_container_config *config)
{
    config->log_max_bytes = limits->container_log_max_bytes;
    config->log_max_files = limits->container_log_max_files >= 2 ? limits->container_log_max_files : 2;
}
