/* The YAML half of objects_decode: libyaml events to jansson trees, with a position per field path and the
 * limits on depth and alias expansion (decode.h). */
#ifndef HUSK_OBJECTS_YAML_READER_H
#define HUSK_OBJECTS_YAML_READER_H

#include "base/error.h"
#include "objects/decode.h"

/* Appends each non-empty document of the YAML stream to list (items not yet flattened from Lists). */
int objects_yaml_read_stream(const char *data, size_t len, const char *source_name,
                             struct objects_document_list *list, husk_error *err);

/* Appends a document to list, taking ownership of object and positions (also on failure). */
int objects_document_list_append(struct objects_document_list *list, json_t *object,
                                 struct objects_positions *positions, int line);

#endif
