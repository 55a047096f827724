/* Kubernetes `Status` objects: the body of every API error reply, with the reasons and exact messages the
 * Kubernetes API server uses, since kubectl prints them verbatim ("Error from server (NotFound): ..."). */
#ifndef HUSK_API_STATUS_H
#define HUSK_API_STATUS_H

#include "objects/problems.h"

#include <jansson.h>

/* A Failure Status: code (404), reason ("NotFound"), message; details may be NULL (stolen otherwise). */
json_t *api_status_failure(int code, const char *reason, const char *message, json_t *details);

/* `pods "x" not found` (404) and friends. resource is "pods" or "deployments.apps"; name the object's. */
json_t *api_status_not_found(const char *resource, const char *name);
json_t *api_status_already_exists(const char *resource, const char *name);
json_t *api_status_conflict(const char *resource, const char *name);

/* 422 Invalid: `Pod "x" is invalid: spec.containers[0].image: Required value`, with details.causes. */
json_t *api_status_invalid(const char *kind, const char *group, const char *name,
                           const struct objects_problems *problems);

/* 400 BadRequest with the message as given. */
json_t *api_status_bad_request(const char *message);

/* The Success Status a delete of a non-pod object returns. */
json_t *api_status_success(const char *resource, const char *name);

#endif
