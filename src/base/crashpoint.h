/* Fault injection for the crash-point tests (tests/e2e/crash-points.bats): named points in the image, node
 * and runtime code where a test build kills its own process, as a `kill -9` from outside would at that
 * moment. Honoured only in test builds (AddressSanitizer builds, or -DHUSK_CRASH_POINTS); elsewhere a
 * point is an empty call. */
#ifndef HUSK_BASE_CRASHPOINT_H
#define HUSK_BASE_CRASHPOINT_H

#include <stdbool.h>

/* True when this build honours HUSK_CRASH_AT. */
bool husk_crash_points_enabled(void);

/* When the environment variable HUSK_CRASH_AT equals name, logs one line and dies by SIGKILL; else
 * returns at once. */
void husk_crash_point(const char *name);

#endif
