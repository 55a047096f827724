/* See trash.h. */
#include "node/trash.h"

#include "base/cleanup.h"
#include "node/worker.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* The lowest: the removal only has to be done some time, and pods that start meanwhile come first. */
#define TRASH_NICE 19

struct node_trash {
    char *dir;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool pending, stop;
    unsigned long next; /* names the entries moved in by this daemon */
};

static bool stopping(struct node_trash *t)
{
    pthread_mutex_lock(&t->lock);
    bool stop = t->stop;
    pthread_mutex_unlock(&t->lock);
    return stop;
}

/* Removes every entry of the trash dir; entries that stay (a mount inside) are tried again next time. A
 * daemon that stops does not wait for the rest: the next one removes it. */
static void empty(struct node_trash *t)
{
    cleanup_closedir DIR *d = opendir(t->dir);
    struct dirent *e;
    while (d != NULL && !stopping(t) && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", t->dir, e->d_name);
        node_worker_remove_tree(path);
    }
}

static void *trash_main(void *arg)
{
    struct node_trash *t = arg;
    setpriority(PRIO_PROCESS, 0, TRASH_NICE); /* this thread's: Linux's nice value is per thread */
    for (;;) {
        empty(t);
        pthread_mutex_lock(&t->lock);
        while (!t->pending && !t->stop)
            pthread_cond_wait(&t->wake, &t->lock);
        bool stop = t->stop;
        t->pending = false;
        pthread_mutex_unlock(&t->lock);
        if (stop)
            return NULL;
    }
}

int node_trash_new(const char *dir, struct node_trash **ret, husk_error *err)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return husk_error_set_errno(err, errno, "creating %s", dir);
    struct node_trash *t = calloc(1, sizeof *t);
    if (t == NULL || (t->dir = strdup(dir)) == NULL) {
        free(t);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    int e = pthread_create(&t->thread, NULL, trash_main, t);
    if (e != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t->dir);
        free(t);
        return husk_error_set_errno(err, e, "starting the trash's thread");
    }
    *ret = t;
    return 0;
}

void node_trash_put(struct node_trash *t, const char *path)
{
    if (t == NULL) {
        node_worker_remove_tree(path);
        return;
    }
    char to[4400];
    pthread_mutex_lock(&t->lock);
    snprintf(to, sizeof to, "%s/%ld-%lu", t->dir, (long)getpid(), t->next++);
    pthread_mutex_unlock(&t->lock);
    if (rename(path, to) < 0) {
        if (errno != ENOENT)
            node_worker_remove_tree(path);
        return;
    }
    pthread_mutex_lock(&t->lock);
    t->pending = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
}

void node_trash_free(struct node_trash *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t->dir);
    free(t);
}
