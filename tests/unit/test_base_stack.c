/* Unit tests for giving back a waiting thread's stack (src/base/stack.c). */
#include "base/stack.h"
#include "harness.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DEEP_BYTES (256 * 1024)

/* The resident kB of the mapping of this process that holds addr, from /proc/self/smaps; -1 if none. */
static long mapping_rss_kb(const void *addr)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    if (f == NULL)
        return -1;
    char line[512];
    bool inside = false;
    long rss = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
            continue;
        }
        if (inside && sscanf(line, "Rss: %ld kB", &rss) == 1)
            break;
    }
    fclose(f);
    return rss;
}

/* A deep call: touches DEEP_BYTES of stack and checks that they read back as written. */
static __attribute__((noinline)) bool use_stack(char fill)
{
    volatile char buf[DEEP_BYTES];
    for (size_t i = 0; i < sizeof buf; i += 512)
        buf[i] = fill;
    for (size_t i = 0; i < sizeof buf; i += 512)
        if (buf[i] != fill)
            return false;
    return true;
}

struct sample {
    long before, after, again;
    bool deep_ok, again_ok;
};

static void *thread_main(void *arg)
{
    struct sample *s = arg;
    char here;
    s->deep_ok = use_stack(1);
    s->before = mapping_rss_kb(&here);
    husk_stack_release_unused();
    s->after = mapping_rss_kb(&here);
    husk_stack_release_unused(); /* twice is fine: nothing is left to give back */
    s->again_ok = use_stack(2);
    s->again = mapping_rss_kb(&here);
    return NULL;
}

TEST(a_thread_gives_back_the_stack_below_its_frame_and_can_use_it_again)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)1 << 20);
    pthread_t t;
    struct sample s = {0};
    CHECK(pthread_create(&t, &attr, thread_main, &s) == 0);
    pthread_attr_destroy(&attr);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(s.deep_ok);
    CHECK(s.before >= DEEP_BYTES / 1024);
    /* What stays: the frames above the caller's and the thread's own data at the top of the mapping. */
    CHECK(s.after < 64);
    CHECK(s.again_ok);
    CHECK(s.again >= DEEP_BYTES / 1024);
}
