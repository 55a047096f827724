/* libFuzzer target for the object layer: any bytes through decode, default, validate (both strictness
 * levels), encode to JSON and YAML, and the quantity parser. Manifests are outside input (kubectl apply, the
 * API server), so none of this may crash, hang or leak whatever it is given. */
#include "objects/decode.h"
#include "objects/defaults.h"
#include "objects/encode.h"
#include "objects/quantity.h"
#include "objects/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_quantity(const uint8_t *data, size_t size)
{
    char text[64];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    struct objects_quantity q;
    char buf[128];
    if (objects_quantity_parse(text, &q, NULL) == 0) {
        objects_quantity_format(&q, buf, sizeof buf);
        objects_quantity_milli_value(&q);
    }
}

static void fuzz_document(struct objects_document *doc)
{
    husk_error err = {0};
    struct objects_problems problems = {0};
    objects_validate(doc->object, &doc->positions, OBJECTS_STRICT_ERROR, &problems);
    objects_problems_free(&problems);
    objects_default(doc->object, &err);
    objects_validate(doc->object, &doc->positions, OBJECTS_STRICT_WARN, &problems);
    objects_problems_free(&problems);
    char *text = NULL;
    size_t len = 0;
    if (objects_encode_yaml(doc->object, &text, &len, &err) == 0) {
        /* What husk writes, husk must read back: a failure here is an encoder bug, so it is a crash. */
        struct objects_document_list again = {0};
        if (objects_decode(text, len, "fuzz-encoded", &again, &err) < 0 || again.count != 1)
            __builtin_trap();
        objects_document_list_free(&again);
        free(text);
    }
    if (objects_encode_json(doc->object, false, &text, &err) == 0)
        free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quantity(data, size);
    struct objects_document_list docs = {0};
    husk_error err = {0};
    if (objects_decode((const char *)data, size, "fuzz", &docs, &err) < 0)
        return 0;
    for (size_t i = 0; i < docs.count; i++)
        fuzz_document(&docs.items[i]);
    objects_document_list_free(&docs);
    return 0;
}
