/* The kind-specific defaulting and validation hooks that kind.c's table points at (defaults_apps.c,
 * validate_apps.c, validate_core.c). Internal to src/objects. */
#ifndef HUSK_OBJECTS_KIND_RULES_H
#define HUSK_OBJECTS_KIND_RULES_H

#include "objects/kind.h"
#include "objects/validation.h"

#include <jansson.h>

void objects_default_deployment(json_t *object);
void objects_default_replica_set(json_t *object);
void objects_default_stateful_set(json_t *object);
void objects_default_daemon_set(json_t *object);
void objects_default_job(json_t *object);
void objects_default_cron_job(json_t *object);
void objects_default_secret(json_t *object);
void objects_default_namespace(json_t *object);

void objects_validate_deployment(const json_t *object, struct objects_validation *v);
void objects_validate_replica_set(const json_t *object, struct objects_validation *v);
void objects_validate_stateful_set(const json_t *object, struct objects_validation *v);
void objects_validate_daemon_set(const json_t *object, struct objects_validation *v);
void objects_validate_job(const json_t *object, struct objects_validation *v);
void objects_validate_cron_job(const json_t *object, struct objects_validation *v);
void objects_validate_config_map(const json_t *object, struct objects_validation *v);
void objects_validate_secret(const json_t *object, struct objects_validation *v);

/* The PodSpec at path ("spec", "spec.template.spec"); restart_policies limits spec.restartPolicy
 * (NULL-terminated; NULL for a Pod's own three). */
void objects_validate_pod_spec(const json_t *spec, const char *path, const char *const *restart_policies,
                               struct objects_validation *v);
/* ObjectMeta checks shared by every kind (name by rule, namespace, labels, annotations). */
void objects_validate_object_meta(const json_t *object, const struct objects_kind *kind, const char *path,
                                  bool is_template, struct objects_validation *v);

#endif
