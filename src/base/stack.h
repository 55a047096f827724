/* Giving back a waiting thread's stack. */
#ifndef HUSK_BASE_STACK_H
#define HUSK_BASE_STACK_H

/* Returns the pages of the calling thread's stack below its current frame to the kernel (they come back
 * zeroed when touched again). For long-lived threads that wait most of the time, such as the one worker
 * per pod: a deep call once (a pod start goes through the runtime and SQLite) would otherwise keep
 * its pages resident for the thread's whole life. Not for the main thread. */
void husk_stack_release_unused(void);

#endif
