/* A small unit-test runner in the manner of libuv's: every test runs in its own forked process with a
 * timeout, so a crash or a hang fails that test alone. Output is TAP, which tests/run.sh totals.
 *
 *   TEST(quantity_parses_milli) { CHECK_INT_EQ(parse("500m"), 500); }
 *
 * A test fails by returning through a failed CHECK (the child exits 1), skips with SKIP("reason"). */
#ifndef HUSK_TESTS_HARNESS_H
#define HUSK_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct harness_test {
    const char *name;
    void (*fn)(void);
    int timeout_seconds;
};

void harness_register(const char *name, void (*fn)(void), int timeout_seconds);

#define HARNESS_EXIT_SKIP 77

#define TEST_WITH_TIMEOUT(name, seconds)                                                                     \
    static void test_##name(void);                                                                           \
    __attribute__((constructor)) static void register_##name(void)                                           \
    {                                                                                                        \
        harness_register(#name, test_##name, seconds);                                                       \
    }                                                                                                        \
    static void test_##name(void)

#define TEST(name) TEST_WITH_TIMEOUT(name, 30)

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                       \
            fflush(stderr);                                                                                  \
            _exit(1);                                                                                        \
        }                                                                                                    \
    } while (0)

#define CHECK_INT_EQ(actual, expected)                                                                       \
    do {                                                                                                     \
        long long check_a_ = (long long)(actual), check_e_ = (long long)(expected);                          \
        if (check_a_ != check_e_) {                                                                          \
            fprintf(stderr, "# %s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__, #actual, check_a_,   \
                    check_e_);                                                                               \
            fflush(stderr);                                                                                  \
            _exit(1);                                                                                        \
        }                                                                                                    \
    } while (0)

#define CHECK_STR_EQ(actual, expected)                                                                       \
    do {                                                                                                     \
        const char *check_a_ = (actual), *check_e_ = (expected);                                             \
        if (check_a_ == NULL || check_e_ == NULL || strcmp(check_a_, check_e_) != 0) {                       \
            fprintf(stderr, "# %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #actual,         \
                    check_a_ ? check_a_ : "(null)", check_e_ ? check_e_ : "(null)");                         \
            fflush(stderr);                                                                                  \
            _exit(1);                                                                                        \
        }                                                                                                    \
    } while (0)

/* Checks that haystack contains needle. */
#define CHECK_STR_CONTAINS(haystack, needle)                                                                 \
    do {                                                                                                     \
        const char *check_h_ = (haystack), *check_n_ = (needle);                                             \
        if (check_h_ == NULL || strstr(check_h_, check_n_) == NULL) {                                        \
            fprintf(stderr, "# %s:%d: %s is \"%s\", expected it to contain \"%s\"\n", __FILE__, __LINE__,    \
                    #haystack, check_h_ ? check_h_ : "(null)", check_n_);                                    \
            fflush(stderr);                                                                                  \
            _exit(1);                                                                                        \
        }                                                                                                    \
    } while (0)

#define SKIP(reason)                                                                                         \
    do {                                                                                                     \
        fprintf(stderr, "# skip: %s\n", reason);                                                             \
        printf("%s", reason);                                                                                \
        fflush(stdout);                                                                                      \
        _exit(HARNESS_EXIT_SKIP);                                                                            \
    } while (0)

/* Skips unless running as root: namespace, mount and cgroup tests need it. */
#define REQUIRE_ROOT()                                                                                       \
    do {                                                                                                     \
        if (geteuid() != 0)                                                                                  \
            SKIP("needs root");                                                                              \
    } while (0)

#endif
