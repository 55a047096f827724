/* resource.Quantity (k8s.io/apimachinery/pkg/api/resource/quantity.go), parse and canonical print; see
 * quantity.h. The value is kept as an exact mantissa * 10^scale, like Go's int64Amount / inf.Dec, so that
 * "1" and "1000m" compare equal and "0.5Gi" prints as 512Mi. */
#include "objects/quantity.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define INT128_LIMIT  ((__int128)1 << 120)  /* headroom below the int128 maximum for one more *10 */
#define CAP_VALUE     ((__int128)INT64_MAX) /* Kubernetes caps parsed values at 2^63-1 */
#define NANOS_PER_ONE ((__int128)1000000000)

struct parts {
    bool negative;
    const char *num; /* integer digits without leading zeros ("0" when none) */
    size_t num_len;
    const char *denom; /* fraction digits */
    size_t denom_len;
    const char *suffix;
};

/* parseQuantityString: sign, integer part, optional ".fraction", then the suffix characters. */
static int split_quantity(const char *s, struct parts *p, husk_error *err)
{
    *p = (struct parts){.num = "0", .num_len = 1, .denom = "", .suffix = ""};
    if (*s == '+' || *s == '-')
        p->negative = *s++ == '-';
    while (*s == '0')
        s++;
    const char *start = s;
    while (*s >= '0' && *s <= '9')
        s++;
    if (s > start)
        p->num = start, p->num_len = (size_t)(s - start);
    if (*s == '.') {
        p->denom = ++s;
        while (*s >= '0' && *s <= '9')
            s++;
        p->denom_len = (size_t)(s - p->denom);
    }
    p->suffix = s;
    while (*s != '\0' && strchr("eEinumkKMGTP", *s) != NULL)
        s++;
    if (*s == '-' || *s == '+')
        s++;
    while (*s >= '0' && *s <= '9')
        s++;
    if (*s != '\0')
        return husk_error_set(err, 0, OBJECTS_QUANTITY_FORMAT_ERROR);
    return 0;
}

/* suffixHandler.interpret: decimal SI, binary SI, or e<exponent>. */
static int interpret_suffix(const char *suffix, int *ret_base, int32_t *ret_exponent,
                            enum objects_quantity_format *ret_format)
{
    static const struct {
        const char *suffix;
        int base;
        int exponent;
    } table[] = {{"n", 10, -9}, {"u", 10, -6}, {"m", 10, -3}, {"", 10, 0},   {"k", 10, 3},  {"M", 10, 6},
                 {"G", 10, 9},  {"T", 10, 12}, {"P", 10, 15}, {"E", 10, 18}, {"Ki", 2, 10}, {"Mi", 2, 20},
                 {"Gi", 2, 30}, {"Ti", 2, 40}, {"Pi", 2, 50}, {"Ei", 2, 60}};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        if (strcmp(suffix, table[i].suffix) == 0) {
            *ret_base = table[i].base;
            *ret_exponent = table[i].exponent;
            *ret_format = table[i].base == 2 ? OBJECTS_QUANTITY_BINARY_SI : OBJECTS_QUANTITY_DECIMAL_SI;
            return 0;
        }
    }
    if ((suffix[0] != 'e' && suffix[0] != 'E') || suffix[1] == '\0')
        return -1;
    const char *p = suffix + 1;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (*p == '\0')
        return -1;
    long long exponent = 0;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || exponent > 100000000)
            return -1; /* beyond int32 in Go too; no such quantity is meaningful */
        exponent = exponent * 10 + (*p - '0');
    }
    *ret_base = 10;
    *ret_exponent = (int32_t)(negative ? -exponent : exponent);
    *ret_format = OBJECTS_QUANTITY_DECIMAL_EXPONENT;
    return 0;
}

/* Go's fast path: few enough digits to be an exact int64 at a scale no finer than nano. */
static bool parse_fast(const struct parts *p, int base, int32_t exponent, struct objects_quantity *q)
{
    int64_t multiplier = 1;
    long precision;
    int32_t scale = 0;
    if (base == 10) {
        scale = exponent;
        precision = 18 - (long)(p->num_len + p->denom_len);
    } else if (p->denom_len == 0) {
        multiplier = (int64_t)1 << exponent;
        precision = 15 - (long)p->num_len - (long)((float)exponent * 3 / 10) - 1;
    } else {
        precision = -1;
    }
    if (precision < 0)
        return false;
    scale -= (int32_t)p->denom_len;
    if (scale < -9)
        return false;
    __int128 value = 0;
    for (size_t i = 0; i < p->num_len; i++)
        value = value * 10 + (p->num[i] - '0');
    for (size_t i = 0; i < p->denom_len; i++)
        value = value * 10 + (p->denom[i] - '0');
    value *= multiplier;
    if (value > CAP_VALUE)
        return false;
    *q = (struct objects_quantity){p->negative ? -value : value, scale, q->format};
    return true;
}

/* Go's slow path (inf.Dec): the exact value rounded up to a whole nano and capped at 2^63-1. Digits past the
 * 36th can only matter as "something non-zero was there", which rounds up. */
static void parse_slow(const struct parts *p, int base, int32_t exponent, struct objects_quantity *q)
{
    __int128 digits = 0;
    size_t kept = 0;
    bool sticky = false;
    long long scale = (base == 10 ? exponent : 0) - (long long)p->denom_len;
    for (size_t i = 0; i < p->num_len + p->denom_len; i++) {
        char c = i < p->num_len ? p->num[i] : p->denom[i - p->num_len];
        if (kept == 0 && c == '0')
            continue;
        if (kept < 36) {
            digits = digits * 10 + (c - '0');
            kept++;
        } else {
            scale++;
            sticky |= c != '0';
        }
    }
    if (kept == 0) { /* all zeros, however many and whatever the exponent */
        *q = (struct objects_quantity){0, 0, q->format};
        return;
    }
    int shift = base == 2 ? exponent : 0;
    __int128 cap_nanos = CAP_VALUE * NANOS_PER_ONE;
    bool capped = (long long)kept + scale >= 20; /* at least 10^19, beyond 2^63-1 */
    long long tens = scale + 9;                  /* nanos = digits * 2^shift * 10^tens */
    for (; !capped && tens > 0; tens--)
        capped = (digits *= 10) > cap_nanos;
    while (!capped && shift > 0) {
        if (digits < INT128_LIMIT)
            digits <<= 1, shift--;
        else if (tens < 0)
            sticky |= digits % 10 != 0, digits /= 10, tens++;
        else
            capped = true;
    }
    for (; !capped && tens < 0 && digits != 0; tens++) {
        sticky |= digits % 10 != 0;
        digits /= 10;
    }
    digits += sticky;
    if (capped || digits > cap_nanos) {
        *q = (struct objects_quantity){p->negative ? -CAP_VALUE : CAP_VALUE, 0, q->format};
        return;
    }
    *q = (struct objects_quantity){p->negative ? -digits : digits, -9, q->format};
    /* A binary quantity below one prints in decimal ("0.5Ki" is 512, but "0.0001Ki" is 102400n). */
    if (q->format == OBJECTS_QUANTITY_BINARY_SI && digits < NANOS_PER_ONE)
        q->format = OBJECTS_QUANTITY_DECIMAL_SI;
}

int objects_quantity_parse(const char *text, struct objects_quantity *ret, husk_error *err)
{
    if (text == NULL || text[0] == '\0')
        return husk_error_set(err, 0, OBJECTS_QUANTITY_FORMAT_ERROR);
    struct parts p;
    if (split_quantity(text, &p, err) < 0)
        return -1;
    int base = 10;
    int32_t exponent = 0;
    struct objects_quantity q = {0};
    if (interpret_suffix(p.suffix, &base, &exponent, &q.format) < 0)
        return husk_error_set(err, 0, OBJECTS_QUANTITY_SUFFIX_ERROR);
    if (!parse_fast(&p, base, exponent, &q))
        parse_slow(&p, base, exponent, &q);
    *ret = q;
    return 0;
}

int objects_quantity_from_json(const json_t *value, struct objects_quantity *ret, husk_error *err)
{
    char buf[64];
    if (json_is_string(value))
        return objects_quantity_parse(json_string_value(value), ret, err);
    if (json_is_integer(value)) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return objects_quantity_parse(buf, ret, err);
    }
    if (json_is_real(value)) {
        /* The shortest text that reads back as the same double, as Go prints a float64. */
        for (int digits = 1; digits <= 17; digits++) {
            snprintf(buf, sizeof buf, "%.*g", digits, json_real_value(value));
            if (strtod(buf, NULL) == json_real_value(value))
                break;
        }
        return objects_quantity_parse(buf, ret, err);
    }
    return husk_error_set(err, 0, OBJECTS_QUANTITY_FORMAT_ERROR);
}

static __int128 abs128(__int128 v)
{
    return v < 0 ? -v : v;
}

static int print_int128(__int128 v, char *buf, size_t size)
{
    char digits[48];
    size_t n = 0;
    unsigned __int128 u = v < 0 ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u != 0);
    size_t len = n + (v < 0);
    if (len + 1 > size)
        return -1;
    size_t i = 0;
    if (v < 0)
        buf[i++] = '-';
    while (n > 0)
        buf[i++] = digits[--n];
    buf[i] = '\0';
    return (int)len;
}

/* The integer value when q is a whole number (for base-1024 printing); false otherwise. */
static bool whole_value(const struct objects_quantity *q, __int128 *ret)
{
    __int128 m = q->mantissa;
    for (int32_t s = q->scale; s > 0; s--) {
        if (abs128(m) > INT128_LIMIT / 10)
            return false;
        m *= 10;
    }
    for (int32_t s = q->scale; s < 0; s++) {
        if (m % 10 != 0)
            return false;
        m /= 10;
    }
    *ret = m;
    return true;
}

static int format_decimal(const struct objects_quantity *q, enum objects_quantity_format format, char *buf,
                          size_t size)
{
    __int128 m = q->mantissa;
    long long exponent = q->scale;
    while (m % 10 == 0) {
        m /= 10;
        exponent++;
    }
    while (exponent % 3 != 0) {
        m *= 10;
        exponent--;
    }
    static const char *const si[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    char suffix[32] = "";
    if (format == OBJECTS_QUANTITY_DECIMAL_SI && exponent >= -9 && exponent <= 18)
        snprintf(suffix, sizeof suffix, "%s", si[(exponent + 9) / 3]);
    else if (exponent != 0)
        snprintf(suffix, sizeof suffix, "e%lld", exponent);
    int n = print_int128(m, buf, size);
    if (n < 0 || (size_t)n + strlen(suffix) + 1 > size)
        return -1;
    strcpy(buf + n, suffix);
    return n + (int)strlen(suffix);
}

int objects_quantity_format(const struct objects_quantity *q, char *buf, size_t size)
{
    if (q->mantissa == 0)
        return snprintf(buf, size, "0") < (int)size ? 1 : -1;
    __int128 value = 0;
    if (q->format != OBJECTS_QUANTITY_BINARY_SI || !whole_value(q, &value) || abs128(value) < 1024)
        return format_decimal(
            q, q->format == OBJECTS_QUANTITY_BINARY_SI ? OBJECTS_QUANTITY_DECIMAL_SI : q->format, buf, size);
    static const char *const bi[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    size_t power = 0;
    while (power < 6 && value % 1024 == 0) {
        value /= 1024;
        power++;
    }
    int n = print_int128(value, buf, size);
    if (n < 0 || (size_t)n + 3 > size)
        return -1;
    strcpy(buf + n, bi[power]);
    return n + (int)strlen(bi[power]);
}

/* mantissa * 10^(scale + shift), rounded up away from zero, saturated at the int64 range. */
static int64_t scaled_value(const struct objects_quantity *q, int shift)
{
    __int128 m = abs128(q->mantissa);
    long long scale = (long long)q->scale + shift;
    bool round_up = false;
    for (; scale > 0 && m != 0; scale--)
        if ((m *= 10) > CAP_VALUE)
            return q->mantissa < 0 ? INT64_MIN : INT64_MAX;
    for (; scale < 0 && m != 0; scale++) {
        round_up |= m % 10 != 0;
        m /= 10;
    }
    m += round_up;
    if (m > CAP_VALUE)
        return q->mantissa < 0 ? INT64_MIN : INT64_MAX;
    return (int64_t)(q->mantissa < 0 ? -m : m);
}

int64_t objects_quantity_value(const struct objects_quantity *q)
{
    return scaled_value(q, 0);
}

int64_t objects_quantity_milli_value(const struct objects_quantity *q)
{
    return scaled_value(q, 3);
}

int objects_quantity_sign(const struct objects_quantity *q)
{
    return (q->mantissa > 0) - (q->mantissa < 0);
}

int objects_quantity_cmp(const struct objects_quantity *a, const struct objects_quantity *b)
{
    int sa = objects_quantity_sign(a), sb = objects_quantity_sign(b);
    if (sa != sb || sa == 0)
        return (sa > sb) - (sa < sb);
    /* Same sign: bring both magnitudes to the finer scale; the one that overflows is the larger. */
    __int128 ma = abs128(a->mantissa), mb = abs128(b->mantissa);
    long long diff = (long long)a->scale - b->scale;
    for (; diff > 0; diff--)
        if ((ma *= 10) > INT128_LIMIT)
            return sa;
    for (; diff < 0; diff++)
        if ((mb *= 10) > INT128_LIMIT)
            return -sa;
    int magnitude = (ma > mb) - (ma < mb);
    return sa > 0 ? magnitude : -magnitude;
}
