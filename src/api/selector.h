/* Label and field selectors, as the Kubernetes API accepts them in ?labelSelector= and ?fieldSelector=
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/ and field-selectors/).
 * Labels: key=v, key==v, key!=v, key in (a,b), key notin (a,b), key, !key. Fields: =, ==, != only. */
#ifndef HUSK_API_SELECTOR_H
#define HUSK_API_SELECTOR_H

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct api_selector api_selector;

/* An empty or NULL text selects everything. */
int api_label_selector_parse(const char *text, api_selector **ret_selector, husk_error *err);

/* resource is the plural ("pods"); a field the resource does not support is an error, as upstream. */
int api_field_selector_parse(const char *text, const char *resource, api_selector **ret_selector,
                             husk_error *err);

bool api_label_selector_matches(const api_selector *sel, const json_t *obj);
bool api_field_selector_matches(const api_selector *sel, const json_t *obj);

/* Whether sel selects everything (NULL, or parsed from an empty text). */
bool api_selector_empty(const api_selector *sel);

void api_selector_free(api_selector *sel);

#endif
