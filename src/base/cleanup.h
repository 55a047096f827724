/* Scope-bound resources: declare with a cleanup attribute and the resource is released on every return
 * path (crun's cleanup_free / cleanup_close). Hand ownership on with steal_pointer / steal_fd. */
#ifndef HUSK_BASE_CLEANUP_H
#define HUSK_BASE_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void husk_freep(void *p)
{
    free(*(void **)p);
}

static inline void husk_closep(const int *fd)
{
    if (*fd >= 0)
        close(*fd);
}

static inline void husk_fclosep(FILE **f)
{
    if (*f != NULL)
        fclose(*f);
}

static inline void husk_closedirp(DIR **d)
{
    if (*d != NULL)
        closedir(*d);
}

#define cleanup_free     __attribute__((cleanup(husk_freep)))
#define cleanup_close    __attribute__((cleanup(husk_closep)))
#define cleanup_fclose   __attribute__((cleanup(husk_fclosep)))
#define cleanup_closedir __attribute__((cleanup(husk_closedirp)))

/* Returns *pp and clears it, so the cleanup attribute on the source no longer frees it. */
static inline void *husk_steal_pointer(void *pp)
{
    void **p = (void **)pp;
    void *v = *p;
    *p = NULL;
    return v;
}
#define steal_pointer(pp) husk_steal_pointer(pp)

static inline int steal_fd(int *fd)
{
    int v = *fd;
    *fd = -1;
    return v;
}

#endif
