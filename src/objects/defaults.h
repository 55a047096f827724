/* API-server defaulting: the values Kubernetes fills in when an object is created (restartPolicy Always,
 * imagePullPolicy from the image tag, terminationGracePeriodSeconds 30, probe timings, port protocol TCP,
 * Deployment replicas and strategy, ...). Only absent fields are filled: what the user wrote is kept. */
#ifndef HUSK_OBJECTS_DEFAULTS_H
#define HUSK_OBJECTS_DEFAULTS_H

#include "base/error.h"

#include <jansson.h>

/* Defaults object in place, by its kind; an unknown kind is left alone. Fields of the wrong type are left for
 * validation to report. Fails only when memory runs out. */
int objects_default(json_t *object, husk_error *err);

/* Defaults a PodSpec (the "spec" of a Pod or of a pod template). */
void objects_default_pod_spec(json_t *spec);

#endif
