/* The pieces of PodSpec validation shared between validate_pod.c, validate_container.c,
 * validate_handlers.c and validate_volume.c (pkg/apis/core/validation/validation.go). Internal to
 * src/objects. */
#ifndef HUSK_OBJECTS_POD_RULES_H
#define HUSK_OBJECTS_POD_RULES_H

#include "objects/validation.h"

enum objects_probe_kind { OBJECTS_PROBE_LIVENESS, OBJECTS_PROBE_READINESS, OBJECTS_PROBE_STARTUP };

/* Checks the checks every container type shares; volumes is the object of valid volume names. */
void objects_validate_container_common(const json_t *container, const json_t *volumes, const char *path,
                                       struct objects_validation *v);
void objects_validate_probe(const json_t *probe, const char *path, enum objects_probe_kind kind,
                            struct objects_validation *v);
void objects_validate_lifecycle(const json_t *lifecycle, int64_t grace_period, const char *path,
                                struct objects_validation *v);
void objects_validate_security_context(const json_t *context, const char *path, struct objects_validation *v);
void objects_validate_seccomp_profile(const json_t *profile, const char *path, struct objects_validation *v);
/* fieldRef of env (downward API expressions for env) or of a downwardAPI volume file. */
void objects_validate_field_selector(const json_t *selector, bool for_volume, const char *path,
                                     struct objects_validation *v);
/* Validates spec.volumes; the names of the valid ones are added to ret_names (an object used as a set). */
void objects_validate_volumes(const json_t *volumes, const char *path, json_t *ret_names,
                              struct objects_validation *v);
/* A relative path without "..": subPath, items[].path. */
void objects_validate_local_path(const char *value, const char *path, struct objects_validation *v);

#endif
