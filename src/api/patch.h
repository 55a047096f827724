/* Patches that PATCH requests carry: JSON merge patch (RFC 7386, application/merge-patch+json) and JSON
 * patch (RFC 6902, application/json-patch+json). */
#ifndef HUSK_API_PATCH_H
#define HUSK_API_PATCH_H

#include "base/error.h"

#include <jansson.h>

/* Returns the patched document (a new reference); target is not changed. */
json_t *api_merge_patch(const json_t *target, const json_t *patch);

/* A strategic merge patch (application/strategic-merge-patch+json, what kubectl apply, label and edit
 * send): a merge patch whose lists of containers, volumes, env, ports, ... merge by their key ("name",
 * "containerPort") and whose "$patch", "$setElementOrder" and "$retainKeys" directives are honoured or
 * skipped. Other lists are replaced. Returns a new reference; target is not changed. */
json_t *api_strategic_merge_patch(const json_t *target, const json_t *patch);

/* The key by which a strategic merge patch merges the elements of a list field ("containers": "name");
 * NULL when the list is replaced whole. */
const char *api_patch_merge_key(const char *field);

/* Applies the operations in order to a copy of target; on failure returns -1 naming the operation. */
int api_json_patch(const json_t *target, const json_t *ops, json_t **ret_doc, husk_error *err);

#endif
