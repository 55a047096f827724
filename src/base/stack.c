/* See stack.h. */
#include "base/stack.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static __thread char *stack_low; /* the lowest address of this thread's stack, above its guard */

__attribute__((noinline)) void husk_stack_release_unused(void)
{
    if (stack_low == NULL) {
        pthread_attr_t attr;
        void *addr;
        size_t size;
        if (pthread_getattr_np(pthread_self(), &attr) != 0)
            return;
        int r = pthread_attr_getstack(&attr, &addr, &size);
        pthread_attr_destroy(&attr);
        if (r != 0)
            return;
        stack_low = addr;
    }
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    /* Two pages of margin below this frame: the red zone and what madvise itself needs stay mapped. */
    char *frame = __builtin_frame_address(0);
    char *end = frame - 2 * page - ((uintptr_t)frame & (page - 1));
    if (end > stack_low)
        madvise(stack_low, (size_t)(end - stack_low), MADV_DONTNEED);
}
