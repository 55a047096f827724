/* resource.Quantity parse and canonical form, tested against the values k8s.io/apimachinery gives, and
 * IntOrString with named ports (src/objects/quantity.c, src/objects/intstr.c). */
#include "harness.h"
#include "objects/intstr.h"
#include "objects/quantity.h"

static const struct {
    const char *input;
    const char *canonical;
} canonical_cases[] = {
    {"0", "0"},
    {"500m", "500m"},
    {"1.5", "1500m"},
    {"128Mi", "128Mi"},
    {"1G", "1G"},
    {"1e3", "1e3"},
    {"0.5Gi", "512Mi"},
    {"1000", "1k"},
    {"1024", "1024"},
    {"1Ki", "1Ki"},
    {"1024Ki", "1Mi"},
    {"0.1", "100m"},
    {"1.0", "1"},
    {"0.001", "1m"},
    {"0.0001", "100u"},
    {"1n", "1n"},
    {"0.1n", "1n"},
    {"1e-3", "1e-3"},
    {"12e6", "12e6"},
    {"5e-1", "500e-3"},
    {"1.5Gi", "1536Mi"},
    {"1.5Ki", "1536"},
    {"-1", "-1"},
    {"-500m", "-500m"},
    {"+1", "1"},
    {"1E", "1E"},
    {"10E", "10E"}, /* Go's exact int64 path does not cap */
    {"1000Ei", "9223372036854775807"},
    {"1.5Mi", "1536Ki"},
    {"1000000", "1M"},
    {"1500000", "1500k"},
    {"1.23456789", "1234567890n"},
    {"0.000000001", "1n"},
    {"0.0000000001", "1n"},
    {"100Mi", "100Mi"},
    {"0.1Ki", "102400m"},
    {"007", "7"},
    {"1.", "1"},
    {"2Ti", "2Ti"},
    {"0.0000000000000000000e100000000", "0"},
    {"1e-100000000", "1e-9"},
    {"123456789012345678901234567890e-20", "1234567890123456790e-9"},
};

TEST(quantity_parses_and_prints_canonically)
{
    for (size_t i = 0; i < sizeof canonical_cases / sizeof *canonical_cases; i++) {
        struct objects_quantity q;
        husk_error err = {0};
        char buf[64];
        if (objects_quantity_parse(canonical_cases[i].input, &q, &err) < 0)
            fprintf(stderr, "# %s: %s\n", canonical_cases[i].input, err.message);
        CHECK(objects_quantity_format(&q, buf, sizeof buf) > 0);
        if (strcmp(buf, canonical_cases[i].canonical) != 0)
            fprintf(stderr, "# %s\n", canonical_cases[i].input);
        CHECK_STR_EQ(buf, canonical_cases[i].canonical);
    }
}

TEST(quantity_rejects_malformed_input_with_kubernetes_messages)
{
    static const char *const wrong_format[] = {"", "abc", "1.2.3", "1Gb", "1 Gi", "0x10", "1KiB"};
    for (size_t i = 0; i < sizeof wrong_format / sizeof *wrong_format; i++) {
        struct objects_quantity q;
        husk_error err = {0};
        CHECK_INT_EQ(objects_quantity_parse(wrong_format[i], &q, &err), -1);
        CHECK_STR_EQ(err.message, OBJECTS_QUANTITY_FORMAT_ERROR);
    }
    /* "--1": the second sign starts the suffix, as in Go's parseQuantityString. */
    static const char *const wrong_suffix[] = {"1ki", "1e", "500mi", "--1"};
    for (size_t i = 0; i < sizeof wrong_suffix / sizeof *wrong_suffix; i++) {
        struct objects_quantity q;
        husk_error err = {0};
        CHECK_INT_EQ(objects_quantity_parse(wrong_suffix[i], &q, &err), -1);
        CHECK_STR_EQ(err.message, OBJECTS_QUANTITY_SUFFIX_ERROR);
    }
}

static int64_t milli(const char *text)
{
    struct objects_quantity q;
    return objects_quantity_parse(text, &q, NULL) < 0 ? -999 : objects_quantity_milli_value(&q);
}

static int64_t value(const char *text)
{
    struct objects_quantity q;
    return objects_quantity_parse(text, &q, NULL) < 0 ? -999 : objects_quantity_value(&q);
}

TEST(quantity_values_round_up_and_saturate)
{
    CHECK_INT_EQ(milli("500m"), 500);
    CHECK_INT_EQ(milli("1.5"), 1500);
    CHECK_INT_EQ(milli("1n"), 1);
    CHECK_INT_EQ(milli("2"), 2000);
    CHECK_INT_EQ(value("128Mi"), 134217728);
    CHECK_INT_EQ(value("0.5Gi"), 536870912);
    CHECK_INT_EQ(value("1500m"), 2);
    CHECK_INT_EQ(value("-1500m"), -2);
    CHECK_INT_EQ(value("1k"), 1000);
    CHECK_INT_EQ(value("1e3"), 1000);
    CHECK_INT_EQ(milli("10E"), INT64_MAX);
    CHECK_INT_EQ(value("1e100"), INT64_MAX);
}

TEST(quantity_compares_by_value_not_text)
{
    struct objects_quantity a, b;
    CHECK(objects_quantity_parse("1", &a, NULL) == 0 && objects_quantity_parse("1000m", &b, NULL) == 0);
    CHECK_INT_EQ(objects_quantity_cmp(&a, &b), 0);
    CHECK(objects_quantity_parse("1Ki", &a, NULL) == 0 && objects_quantity_parse("1k", &b, NULL) == 0);
    CHECK_INT_EQ(objects_quantity_cmp(&a, &b), 1);
    CHECK(objects_quantity_parse("-1", &a, NULL) == 0 && objects_quantity_parse("0", &b, NULL) == 0);
    CHECK_INT_EQ(objects_quantity_cmp(&a, &b), -1);
    CHECK(objects_quantity_parse("1e100", &a, NULL) == 0 && objects_quantity_parse("1E", &b, NULL) == 0);
    CHECK_INT_EQ(objects_quantity_cmp(&a, &b), 1);
}

TEST(quantity_reads_json_numbers_as_kubernetes_does)
{
    struct objects_quantity q;
    char buf[64];
    json_t *half = json_real(0.5), *two = json_integer(2), *yes = json_true();
    CHECK(objects_quantity_from_json(half, &q, NULL) == 0);
    objects_quantity_format(&q, buf, sizeof buf);
    CHECK_STR_EQ(buf, "500m");
    CHECK(objects_quantity_from_json(two, &q, NULL) == 0);
    objects_quantity_format(&q, buf, sizeof buf);
    CHECK_STR_EQ(buf, "2");
    CHECK_INT_EQ(objects_quantity_from_json(yes, &q, NULL), -1);
    json_decref(half);
    json_decref(two);
    json_decref(yes);
}

TEST(intstr_reads_ints_strings_and_percentages)
{
    husk_error err = {0};
    struct objects_intstr v;
    json_t *port = json_integer(8080), *name = json_string("http"), *big = json_integer(3000000000LL);
    json_t *percent = json_string("25%"), *junk = json_string("25"), *flag = json_true();
    CHECK(objects_intstr_from_json(port, "port", &v, &err) == 0 && !v.is_string && v.int_value == 8080);
    CHECK(objects_intstr_from_json(name, "port", &v, &err) == 0 && v.is_string);
    CHECK_STR_EQ(v.string_value, "http");
    CHECK_INT_EQ(objects_intstr_from_json(big, "port", &v, &err), -1);
    CHECK_STR_CONTAINS(err.message, "port: 3000000000 is out of range");
    CHECK_INT_EQ(objects_intstr_from_json(flag, "maxSurge", &v, &err), -1);
    int scaled = 0;
    CHECK(objects_intstr_from_json(percent, "maxSurge", &v, &err) == 0);
    CHECK(objects_intstr_scaled_value(&v, 10, true, &scaled, &err) == 0 && scaled == 3);
    CHECK(objects_intstr_scaled_value(&v, 10, false, &scaled, &err) == 0 && scaled == 2);
    CHECK(objects_intstr_from_json(junk, "maxSurge", &v, &err) == 0);
    CHECK_INT_EQ(objects_intstr_scaled_value(&v, 10, true, &scaled, &err), -1);
    json_decref(port);
    json_decref(name);
    json_decref(big);
    json_decref(percent);
    json_decref(junk);
    json_decref(flag);
}

TEST(intstr_resolves_named_ports_against_the_container)
{
    json_t *container =
        json_loads("{\"name\":\"web\",\"ports\":[{\"name\":\"metrics\",\"containerPort\":9100},"
                   "{\"name\":\"http\",\"containerPort\":8080}]}",
                   0, NULL);
    struct objects_intstr named = {.is_string = true, .string_value = "http"};
    struct objects_intstr missing = {.is_string = true, .string_value = "grpc"};
    struct objects_intstr number = {.int_value = 81};
    husk_error err = {0};
    int port = 0;
    CHECK(objects_intstr_resolve_port(&named, container, &port, &err) == 0 && port == 8080);
    CHECK(objects_intstr_resolve_port(&number, container, &port, &err) == 0 && port == 81);
    CHECK_INT_EQ(objects_intstr_resolve_port(&missing, container, &port, &err), -1);
    CHECK_STR_EQ(err.message, "container \"web\" has no port named \"grpc\"");
    json_decref(container);
}
