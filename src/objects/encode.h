/* Encoding objects back to JSON and YAML. Everything in the tree is written, including fields husk does not
 * model, so a decode/encode round trip keeps what the user sent. */
#ifndef HUSK_OBJECTS_ENCODE_H
#define HUSK_OBJECTS_ENCODE_H

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* JSON text (malloc'd, NUL-terminated); pretty-printed with 2-space indent when pretty. */
int objects_encode_json(const json_t *object, bool pretty, char **ret, husk_error *err);

/* YAML text (malloc'd, NUL-terminated) in block style, quoting every string that would otherwise read back
 * as another type ("true", "1", "null", "0755"). */
int objects_encode_yaml(const json_t *object, char **ret, size_t *ret_len, husk_error *err);

#endif
