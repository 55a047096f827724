/* Unit tests for the error object (src/base/error.c). */
#include "base/error.h"
#include "harness.h"

#include <errno.h>

TEST(error_set_returns_minus_one_and_formats)
{
    husk_error err = {0};
    CHECK_INT_EQ(husk_error_set(&err, EINVAL, "field %s: %d", "spec.x", 3), -1);
    CHECK_STR_EQ(err.message, "field spec.x: 3");
    CHECK_INT_EQ(err.code, EINVAL);
}

TEST(error_set_errno_appends_strerror)
{
    husk_error err = {0};
    husk_error_set_errno(&err, ENOENT, "open %s", "/nope");
    CHECK_STR_EQ(err.message, "open /nope: No such file or directory");
}

TEST(error_wrap_prefixes_context)
{
    husk_error err = {0};
    husk_error_set(&err, 0, "digest mismatch");
    husk_error_wrap(&err, "pulling %s", "busybox");
    CHECK_STR_EQ(err.message, "pulling busybox: digest mismatch");
}

TEST(error_wrap_truncates_instead_of_overflowing)
{
    husk_error err = {0};
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    husk_error_set(&err, 0, "%s", big);
    husk_error_wrap(&err, "%s", big);
    CHECK_INT_EQ(strlen(err.message), HUSK_ERROR_MESSAGE_MAX - 1);
}

TEST(error_functions_accept_null)
{
    CHECK_INT_EQ(husk_error_set(NULL, 1, "x"), -1);
    CHECK_INT_EQ(husk_error_wrap(NULL, "x"), -1);
    husk_error_clear(NULL);
}
