/* Helpers shared by defaults.c and defaults_apps.c. Internal to src/objects. */
#ifndef HUSK_OBJECTS_DEFAULTS_INTERNAL_H
#define HUSK_OBJECTS_DEFAULTS_INTERNAL_H

#include <jansson.h>

/* Sets object[key] = value (stolen) when the key is absent or null; a no-op on a non-object. */
void objects_default_set(json_t *object, const char *key, json_t *value);

/* object[key] as an object, created empty when absent or null; NULL when it holds another type. */
json_t *objects_default_child(json_t *object, const char *key);

#endif
