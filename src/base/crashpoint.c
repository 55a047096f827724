/* See crashpoint.h. A test sets HUSK_CRASH_AT=NAME in the daemon's environment; the supervisor inherits it,
 * so points in its code kill the pod's supervisor instead. GCC and clang define __SANITIZE_ADDRESS__ under
 * -fsanitize=address, which is how the test build (build-san) is told from the build that is installed. */
#include "base/crashpoint.h"
#include "base/log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(HUSK_CRASH_POINTS)
#define CRASH_POINTS_BUILT_IN 1
#else
#define CRASH_POINTS_BUILT_IN 0
#endif

bool husk_crash_points_enabled(void)
{
    return CRASH_POINTS_BUILT_IN;
}

void husk_crash_point(const char *name)
{
    if (!CRASH_POINTS_BUILT_IN)
        return;
    /* Nothing in husk calls setenv, so reading the environment from any thread is safe. */
    const char *wanted = getenv("HUSK_CRASH_AT");
    if (wanted == NULL || strcmp(wanted, name) != 0)
        return;
    log_error("crash point %s: pid %d kills itself (HUSK_CRASH_AT)", name, (int)getpid());
    kill(getpid(), SIGKILL);
    /* The init of a PID namespace (a pod's supervisor) ignores a SIGKILL from inside it: leave as abruptly,
     * without running any cleanup; the kernel then kills the rest of the namespace as it would. */
    _exit(128 + SIGKILL);
}
