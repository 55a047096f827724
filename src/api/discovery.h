/* What discovery says about each kind husk serves, shared by the plain documents (discovery.c) and
 * aggregated discovery (discovery_aggregated.c): short names, categories, verbs and subresources as the
 * upstream API server registers them, limited to what husk answers. Internal to src/api. */
#ifndef HUSK_API_DISCOVERY_H
#define HUSK_API_DISCOVERY_H

#include "api/request.h"
#include "objects/kind.h"

#include <jansson.h>
#include <stddef.h>

struct api_subresource {
    const char *name;            /* "status" */
    const char *response_kind;   /* the kind it answers with; NULL: the parent's kind */
    const char *const *verbs;    /* NULL-terminated */
    const char *group, *version; /* of the kind it answers with, when not the parent's (pods/eviction) */
};

/* kubectl's short name of resource ("po"); NULL when it has none. */
const char *api_discovery_short_name(const char *resource);

/* The singular resource name: the kind in lower case ("deployment"). */
void api_discovery_singular(const struct objects_kind *kind, char *buf, size_t size);

/* The verbs husk serves on every kind's collection and objects, as a new JSON array. */
json_t *api_discovery_verbs(void);

/* ["all"] for pods and the workload kinds, NULL for the rest (a new reference). */
json_t *api_discovery_categories(const struct objects_kind *kind);

/* The subresources husk serves for kind: fills out (at most max) and returns how many. */
size_t api_discovery_subresources(const struct objects_kind *kind, struct api_subresource *out, size_t max);

/* The APIGroupDiscoveryList for /api (core) or /apis (the others), in version "v2" or "v2beta1". */
json_t *api_discovery_aggregated(bool core, const char *version);

/* The apidiscovery version ("v2", "v2beta1") the Accept header asks for first, or NULL when it asks
 * for the plain documents. */
const char *api_discovery_wanted(const char *accept);

#endif
