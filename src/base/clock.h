/* The monotonic clock in milliseconds, for deadlines and intervals (never the wall clock, which jumps). */
#ifndef HUSK_BASE_CLOCK_H
#define HUSK_BASE_CLOCK_H

#include <stdint.h>

int64_t husk_now_ms(void);

#endif
