/* Decoding manifests (src/objects/decode.c, yaml_reader.c, scalar.c): YAML 1.1 scalars as kubectl resolves
 * them, positions, multi-document, JSON streams, Lists, anchors and merge keys, and the limits against
 * hostile input (size, depth, billion laughs). */
#include "harness.h"
#include "objects/decode.h"
#include "objects/encode.h"
#include "objects/scalar.h"

#include <time.h>

static json_t *decode_one(const char *text)
{
    json_t *object = NULL;
    husk_error err = {0};
    if (objects_decode_object(text, strlen(text), "test.yaml", &object, &err) < 0)
        fprintf(stderr, "# %s\n", err.message);
    return object;
}

TEST(decode_resolves_scalars_as_sigs_k8s_io_yaml)
{
    json_t *o =
        decode_one("a: true\nb: yes\nc: Off\nd: \"true\"\ne: 0755\nf: 0x1F\ng: 1_000\nh: 1.5\ni: 1e3\n"
                   "j: ~\nk:\nl: 1.10\nm: '123'\nn: !!str 42\no: 2001-12-14\np: -0b101\nq: 08\nr: 1.0\n");
    CHECK(o != NULL);
    CHECK(json_is_true(json_object_get(o, "a")));
    CHECK(json_is_true(json_object_get(o, "b")));
    CHECK(json_is_false(json_object_get(o, "c")));
    CHECK_STR_EQ(json_string_value(json_object_get(o, "d")), "true");
    CHECK_INT_EQ(json_integer_value(json_object_get(o, "e")), 493);
    CHECK_INT_EQ(json_integer_value(json_object_get(o, "f")), 31);
    CHECK_INT_EQ(json_integer_value(json_object_get(o, "g")), 1000);
    CHECK(json_real_value(json_object_get(o, "h")) == 1.5);
    CHECK_INT_EQ(json_integer_value(json_object_get(o, "i")), 1000);
    CHECK(json_is_null(json_object_get(o, "j")));
    CHECK(json_is_null(json_object_get(o, "k")));
    CHECK(json_real_value(json_object_get(o, "l")) == 1.1);
    CHECK_STR_EQ(json_string_value(json_object_get(o, "m")), "123");
    CHECK_STR_EQ(json_string_value(json_object_get(o, "n")), "42");
    CHECK_STR_EQ(json_string_value(json_object_get(o, "o")), "2001-12-14");
    CHECK_INT_EQ(json_integer_value(json_object_get(o, "p")), -5);
    CHECK_INT_EQ(json_integer_value(json_object_get(o, "q")), 8);
    CHECK(json_is_integer(json_object_get(o, "r")));
    json_decref(o);
}

TEST(decode_records_field_positions)
{
    const char *text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n"
                       "    image: b\n  - name: c\n";
    struct objects_document_list docs = {0};
    CHECK(objects_decode(text, strlen(text), "p.yaml", &docs, NULL) == 0);
    CHECK_INT_EQ(docs.count, 1);
    int line = 0, column = 0;
    CHECK(objects_positions_lookup(&docs.items[0].positions, "metadata.name", &line, &column) == 0);
    CHECK(line == 4 && column == 3);
    CHECK(objects_positions_lookup(&docs.items[0].positions, "spec.containers[0].image", &line, &column) ==
          0);
    CHECK(line == 8 && column == 5);
    /* An absent field points at the object that should hold it. */
    CHECK(objects_positions_lookup(&docs.items[0].positions, "spec.containers[1].image", &line, &column) ==
          0);
    CHECK(line == 9 && column == 5);
    objects_document_list_free(&docs);
}

TEST(decode_splits_documents_and_flattens_lists)
{
    const char *text = "---\n# nothing\n---\napiVersion: v1\nkind: List\nitems:\n- kind: A\n- kind: B\n"
                       "  metadata: {name: b}\n---\napiVersion: v1\nkind: C\n...\n---\n";
    struct objects_document_list docs = {0};
    CHECK(objects_decode(text, strlen(text), "multi.yaml", &docs, NULL) == 0);
    CHECK_INT_EQ(docs.count, 3);
    CHECK_STR_EQ(json_string_value(json_object_get(docs.items[0].object, "kind")), "A");
    CHECK_STR_EQ(json_string_value(json_object_get(docs.items[1].object, "kind")), "B");
    CHECK_STR_EQ(json_string_value(json_object_get(docs.items[2].object, "kind")), "C");
    int line = 0, column = 0;
    CHECK(objects_positions_lookup(&docs.items[1].positions, "metadata.name", &line, &column) == 0);
    CHECK_INT_EQ(line, 9);
    objects_document_list_free(&docs);
}

TEST(decode_reads_json_streams_exactly)
{
    const char *text = "  {\"kind\": \"A\", \"n\": 12345678901234, \"f\": 0.1}\n{\"kind\": \"B\"}";
    struct objects_document_list docs = {0};
    CHECK(objects_decode(text, strlen(text), "a.json", &docs, NULL) == 0);
    CHECK_INT_EQ(docs.count, 2);
    CHECK_INT_EQ(json_integer_value(json_object_get(docs.items[0].object, "n")), 12345678901234LL);
    objects_document_list_free(&docs);
    husk_error err = {0};
    CHECK_INT_EQ(objects_decode("{\"kind\": ", 9, "bad.json", &docs, &err), -1);
    CHECK_STR_CONTAINS(err.message, "bad.json: invalid JSON");
}

TEST(decode_expands_anchors_and_merge_keys)
{
    json_t *o = decode_one("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nl: &l [1, 2]\nc: *l\n");
    CHECK(o != NULL);
    json_t *m = json_object_get(o, "m");
    CHECK_INT_EQ(json_integer_value(json_object_get(m, "x")), 1);
    CHECK_INT_EQ(json_integer_value(json_object_get(m, "y")), 3);
    CHECK(json_object_get(m, "<<") == NULL);
    CHECK(json_equal(json_object_get(o, "c"), json_object_get(o, "l")));
    /* Aliases are copies: changing one use does not change the anchor. */
    CHECK(json_object_get(o, "c") != json_object_get(o, "l"));
    json_decref(o);
}

TEST(decode_refuses_billion_laughs_quickly)
{
    char text[4096];
    int n = snprintf(text, sizeof text, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (int c = 'b'; c <= 'k'; c++)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c, c - 1, c - 1,
                      c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
    struct objects_document_list docs = {0};
    husk_error err = {0};
    clock_t start = clock();
    CHECK_INT_EQ(objects_decode(text, (size_t)n, "lol.yaml", &docs, &err), -1);
    CHECK((clock() - start) / CLOCKS_PER_SEC < 2);
    CHECK_STR_CONTAINS(err.message, "lol.yaml:");
    CHECK_STR_CONTAINS(err.message, "billion laughs");
}

TEST(decode_refuses_deep_nesting_and_huge_input)
{
    static char text[OBJECTS_MAX_INPUT_BYTES + 2];
    size_t n = 0;
    n += (size_t)snprintf(text, sizeof text, "a: ");
    for (int i = 0; i < 150; i++)
        text[n++] = '[';
    for (int i = 0; i < 150; i++)
        text[n++] = ']';
    struct objects_document_list docs = {0};
    husk_error err = {0};
    CHECK_INT_EQ(objects_decode(text, n, "deep.yaml", &docs, &err), -1);
    CHECK_STR_CONTAINS(err.message, "nesting is deeper than 100 levels");
    n = 0;
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "{\"a\":");
    text[n++] = '1';
    for (int i = 0; i < 150; i++)
        text[n++] = '}';
    CHECK_INT_EQ(objects_decode(text, n, "deep.json", &docs, &err), -1);
    CHECK_STR_EQ(err.message, "deep.json: nesting is deeper than 100 levels");
    memset(text, ' ', sizeof text);
    CHECK_INT_EQ(objects_decode(text, sizeof text, "big.yaml", &docs, &err), -1);
    CHECK_STR_CONTAINS(err.message,
                       "big.yaml: the input is 3145730 bytes, more than the limit of 3145728 bytes");
}

TEST(decode_rejects_non_objects_and_duplicates)
{
    struct objects_document_list docs = {0};
    husk_error err = {0};
    CHECK_INT_EQ(objects_decode("just a string\n", 14, "s.yaml", &docs, &err), -1);
    CHECK_STR_EQ(err.message, "s.yaml:1:1: a manifest must be a mapping (a Kubernetes object), not a string");
    CHECK_INT_EQ(objects_decode("a: 1\na: 2\n", 10, "d.yaml", &docs, &err), -1);
    CHECK_STR_EQ(err.message, "d.yaml:2:1: key \"a\" already set in map");
    json_t *o = NULL;
    CHECK_INT_EQ(objects_decode_object("a: 1\n---\nb: 2\n", 14, "two.yaml", &o, &err), -1);
    CHECK_STR_EQ(err.message, "two.yaml: expected one object, found 2");
}

TEST(encode_yaml_quotes_strings_that_would_change_type)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:b, s:n, s:s}", "yes", "yes", "num", "0755",
                          "empty", "", "null", "~", "plain", "hello world", "int", 7, "real", 2.0, "bool", 1,
                          "nil", "multi", "line one\nline two\n");
    char *yaml = NULL;
    size_t len = 0;
    CHECK(objects_encode_yaml(o, &yaml, &len, NULL) == 0);
    CHECK_STR_CONTAINS(yaml, "\"yes\": \"yes\"\n");
    CHECK_STR_CONTAINS(yaml, "num: \"0755\"\n");
    CHECK_STR_CONTAINS(yaml, "empty: \"\"\n");
    CHECK_STR_CONTAINS(yaml, "plain: hello world\n");
    CHECK_STR_CONTAINS(yaml, "real: 2.0\n");
    CHECK_STR_CONTAINS(yaml, "multi: |\n");
    json_t *back = decode_one(yaml);
    CHECK(json_equal(back, o) || json_integer_value(json_object_get(back, "real")) == 2);
    CHECK(json_equal(json_object_get(back, "yes"), json_object_get(o, "yes")));
    CHECK(json_equal(json_object_get(back, "multi"), json_object_get(o, "multi")));
    free(yaml);
    json_decref(back);
    json_decref(o);
}

TEST(scalar_classification_matches_yaml_1_1)
{
    CHECK_INT_EQ(objects_scalar_classify("on", 2), OBJECTS_SCALAR_BOOL);
    CHECK_INT_EQ(objects_scalar_classify("y", 1), OBJECTS_SCALAR_BOOL);
    CHECK_INT_EQ(objects_scalar_classify("nginx", 5), OBJECTS_SCALAR_STRING);
    CHECK_INT_EQ(objects_scalar_classify("1.2.3", 5), OBJECTS_SCALAR_STRING);
    CHECK_INT_EQ(objects_scalar_classify("-.inf", 5), OBJECTS_SCALAR_NONFINITE);
    CHECK_INT_EQ(objects_scalar_classify("+12", 3), OBJECTS_SCALAR_INT);
    CHECK_INT_EQ(objects_scalar_classify(".5", 2), OBJECTS_SCALAR_FLOAT);
    CHECK_INT_EQ(objects_scalar_classify("", 0), OBJECTS_SCALAR_NULL);
}
