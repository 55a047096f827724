/* Spare sandboxes (see runtime.h). Making a sandbox is mostly starting its supervisor: spawning it (a static
 * binary now; the loading of its libraries was ~0.35 ms), entering the cgroup, unsharing five namespaces and
 * a fork (~4 of the ~5 ms a sandbox took here); a spare has all that done before its pod comes, and is made
 * the pod's by renames: its cgroup (v1 renames a cgroup with its processes in it, so nothing migrates) and
 * its state dir (its socket, pid file, log and /dev/shm mount go along), then an `adopt` request for the
 * hostname. The spares wait in cgroups and dirs of their own, so a pool left by a killed daemon is found and
 * removed by the next. The pool also keeps empty dirs made ahead, for the node's pod and log dirs: made in
 * the pool's dir, which spreads its subdirs over the disk (husk_mark_top_dir), each costs ~0.7 ms of ext4's
 * search for a block group; renamed into place, it keeps the group it got. */
#include "runtime/sandbox_internal.h"

#include "base/clock.h"
#include "base/fs.h"
#include "base/log.h"
#include "runtime/cgroup.h"
#include "runtime/client.h"
#include "runtime/config.h"
#include "runtime/files.h"
#include "runtime/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX       8
#define RETRY_SECONDS  5
#define QUIET_MS       50
#define WAIT_MAKING_MS 20
#define SPARE_PREFIX   "spare-"
#define DIR_PREFIX     "dir-"
#define DIRS_PER_SPARE 2 /* a pod's dir and its log dir */

struct runtime_sandbox_pool {
    char *dir, *cgroup_parent;
    int size;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool started, stop;
    bool making;  /* the thread is making a spare (unlocked) */
    bool claimed; /* a pod waits for the spare being made */
    bool settled; /* the pods that took spares have started their containers */
    struct runtime_sandbox *spares[POOL_MAX];
    int count;
    unsigned dirs[POOL_MAX * DIRS_PER_SPARE]; /* made ahead: DIR/dir-PID-N, by N */
    int dir_count;
    bool dirs_off;    /* making one failed: pods make their own */
    int64_t taken_ms; /* husk_now_ms() when a spare was last taken; 0: never */
    unsigned seq;
};

static void remove_sandbox(struct runtime_sandbox *s)
{
    husk_error err = {0};
    if (runtime_sandbox_remove(s, &err) < 0)
        log_warn("sandbox pool: removing the spare sandbox %s: %s", s->state_dir, err.message);
    runtime_sandbox_free(s);
}

static struct runtime_sandbox *make_spare(struct runtime_sandbox_pool *p, husk_error *err)
{
    char name[64], state_dir[4096], cgroup[1024];
    snprintf(name, sizeof name, SPARE_PREFIX "%d-%u", (int)getpid(), ++p->seq);
    snprintf(state_dir, sizeof state_dir, "%s/%s", p->dir, name);
    snprintf(cgroup, sizeof cgroup, "%s/%s", p->cgroup_parent, name);
    struct runtime_sandbox_config c = {.pod_uid = name,
                                       .pod_name = name,
                                       .hostname = "spare",
                                       .cgroup_parent = p->cgroup_parent,
                                       .state_dir = state_dir};
    struct runtime_sandbox *s = NULL;
    if (runtime_sandbox_start(&c, cgroup, true, &s, err) < 0)
        return NULL;
    /* Its sandbox.json served its start; the pod's is written in its place at adoption. Removed now, while
     * its data is not yet on disk: replaced at adoption, its blocks were freed then, with a synchronous
     * discard on this file system (1-2 ms of the adoption's 1-3). Without it a leftover spare is found
     * by its name (remove_leftovers). */
    char info[4200];
    snprintf(info, sizeof info, "%s/sandbox.json", state_dir);
    unlink(info);
    runtime_containers_ahead(state_dir, cgroup);
    return s;
}

static struct timespec deadline_in(long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return until;
}

static void dir_path(const struct runtime_sandbox_pool *p, unsigned n, char *out, size_t size)
{
    snprintf(out, size, "%s/" DIR_PREFIX "%d-%u", p->dir, (int)getpid(), n);
}

static bool dirs_wanted(const struct runtime_sandbox_pool *p)
{
    return !p->dirs_off && p->dir_count < p->size * DIRS_PER_SPARE;
}

/* Makes the empty dirs the pool lacks; under the lock, which it lets go of for each mkdir. */
static void make_dirs(struct runtime_sandbox_pool *p)
{
    while (!p->stop && dirs_wanted(p)) {
        unsigned n = ++p->seq;
        char path[4096];
        dir_path(p, n, path, sizeof path);
        pthread_mutex_unlock(&p->lock);
        int made = mkdir(path, 0700);
        pthread_mutex_lock(&p->lock);
        if (made < 0) {
            log_warn("sandbox pool: creating %s: %s; pods make their own dirs", path, strerror(errno));
            p->dirs_off = true;
            return;
        }
        if (!dirs_wanted(p)) { /* one given back meanwhile (runtime_sandbox_pool_take_dir) */
            rmdir(path);
            return;
        }
        p->dirs[p->dir_count++] = n;
    }
}

/* Waits ms unless the pool is stopped meanwhile; under the lock. */
static void wait_ms(struct runtime_sandbox_pool *p, long ms)
{
    struct timespec until = deadline_in(ms);
    while (!p->stop && pthread_cond_timedwait(&p->cond, &p->lock, &until) == 0)
        ;
}

static void *pool_main(void *arg)
{
    struct runtime_sandbox_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        if (p->count >= p->size && !dirs_wanted(p)) {
            pthread_cond_wait(&p->cond, &p->lock);
            continue;
        }
        /* Not while the pod that took the last spare starts its containers: the two took the same kernel
         * locks and CPUs, and that pod's container start went from 5 to 10 ms. Once it has started them
         * (runtime_sandbox_pool_settled), or 50 ms passed without a take, the next spare is made. */
        int64_t quiet = p->taken_ms + QUIET_MS - husk_now_ms();
        if (p->taken_ms != 0 && quiet > 0 && !p->settled) {
            struct timespec until = deadline_in((long)quiet);
            pthread_cond_timedwait(&p->cond, &p->lock, &until); /* or woken by a take or a settle */
            continue;
        }
        /* The dirs first: a pod takes them before its sandbox (which it waits for meanwhile). */
        p->making = p->count < p->size;
        make_dirs(p);
        if (p->count >= p->size || p->stop) {
            p->making = false;
            continue;
        }
        pthread_mutex_unlock(&p->lock);
        husk_error err = {0};
        struct runtime_sandbox *s = make_spare(p, &err);
        pthread_mutex_lock(&p->lock);
        p->making = false;
        pthread_cond_broadcast(&p->cond);
        if (s == NULL) {
            log_warn("sandbox pool: making a spare sandbox: %s; trying again in %d s", err.message,
                     RETRY_SECONDS);
            wait_ms(p, RETRY_SECONDS * 1000L);
            continue;
        }
        p->spares[p->count++] = s;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* What a pool of an earlier daemon left: each spare's supervisor, cgroup (its own, and the one a
 * sandbox.json names if an adoption was cut short after writing the pod's), netns pin and dir. */
static void remove_leftovers(struct runtime_sandbox_pool *p)
{
    DIR *d = opendir(p->dir);
    const struct runtime_cgroup_manager *cgroups = NULL;
    husk_error err = {0};
    runtime_cgroup_manager_get(&cgroups, &err);
    for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
        if (strncmp(de->d_name, DIR_PREFIX, strlen(DIR_PREFIX)) == 0) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", p->dir, de->d_name);
            if (runtime_remove_tree(path, &err) < 0)
                log_warn("sandbox pool: removing %s: %s", path, err.message);
            continue;
        }
        if (strncmp(de->d_name, SPARE_PREFIX, strlen(SPARE_PREFIX)) != 0 || strchr(de->d_name, '/') != NULL)
            continue;
        char path[4096], cgroup[1024];
        snprintf(path, sizeof path, "%s/%s", p->dir, de->d_name);
        snprintf(cgroup, sizeof cgroup, "%s/%s", p->cgroup_parent, de->d_name);
        struct runtime_sandbox *s = NULL;
        if (runtime_sandbox_open(path, &s, &err) == 0)
            remove_sandbox(s);
        if (cgroups != NULL && cgroups->destroy(cgroup, &err) < 0)
            log_warn("sandbox pool: removing the cgroup %s: %s", cgroup, err.message);
        if (runtime_netns_unpin(path, &err) < 0 || runtime_remove_tree(path, &err) < 0)
            log_warn("sandbox pool: removing %s: %s", path, err.message);
    }
    if (d != NULL)
        closedir(d);
}

int runtime_sandbox_pool_new(const char *dir, const char *cgroup_parent, int size,
                             struct runtime_sandbox_pool **ret_pool, husk_error *err)
{
    struct runtime_sandbox_pool *p = calloc(1, sizeof *p);
    if (p == NULL || (p->dir = strdup(dir)) == NULL ||
        (p->cgroup_parent = strdup(cgroup_parent ? cgroup_parent : "husk")) == NULL) {
        if (p != NULL)
            free(p->dir);
        free(p);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &attr);
    pthread_condattr_destroy(&attr);
    const struct runtime_cgroup_manager *cgroups;
    p->size = size < 0 ? 0 : size > POOL_MAX ? POOL_MAX : size;
    if (runtime_cgroup_manager_get(&cgroups, err) < 0 || husk_mkdir_p(p->dir, 0700, err) < 0) {
        runtime_sandbox_pool_free(p);
        return -1;
    }
    /* Each spare's dir in a block group of its own, as each pod's (see husk_mark_top_dir): spares come and
     * go, and their files were all made among the recently deleted inodes of one group. */
    husk_mark_top_dir(p->dir);
    remove_leftovers(p);
    if (cgroups->rename == NULL)
        p->size = 0;
    if (p->size > 0 && pthread_create(&p->thread, NULL, pool_main, p) != 0) {
        runtime_sandbox_pool_free(p);
        return husk_error_set(err, EAGAIN, "starting the sandbox pool's thread");
    }
    p->started = p->size > 0;
    *ret_pool = p;
    return 0;
}

void runtime_sandbox_pool_free(struct runtime_sandbox_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    if (p->started)
        pthread_join(p->thread, NULL);
    for (int i = 0; i < p->count; i++)
        remove_sandbox(p->spares[i]);
    for (int i = 0; i < p->dir_count; i++) {
        char path[4096];
        dir_path(p, p->dirs[i], path, sizeof path);
        rmdir(path);
    }
    if (p->dir != NULL)
        rmdir(p->dir);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    free(p->dir);
    free(p->cgroup_parent);
    free(p);
}

int runtime_sandbox_pool_ready(struct runtime_sandbox_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->count;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void runtime_sandbox_pool_settled(struct runtime_sandbox_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    if (!p->settled) {
        p->settled = true;
        pthread_cond_broadcast(&p->cond);
    }
    pthread_mutex_unlock(&p->lock);
}

/* A pod takes what the pool made: no spare is made until it has started (or 50 ms pass). Under the lock. */
static void note_take(struct runtime_sandbox_pool *p)
{
    p->taken_ms = husk_now_ms();
    p->settled = false;
}

/* Takes a spare; with none ready, the first pod to come waits a little for the one being made (it is further
 * along than a sandbox made afresh, and two made at once slow each other); the others make their own. Under
 * the lock. */
static struct runtime_sandbox *take(struct runtime_sandbox_pool *p)
{
    if (p->count == 0 && p->making && !p->claimed) {
        p->claimed = true;
        struct timespec until = deadline_in(WAIT_MAKING_MS);
        while (p->count == 0 && p->making && !p->stop &&
               pthread_cond_timedwait(&p->cond, &p->lock, &until) == 0)
            ;
        p->claimed = false;
    }
    struct runtime_sandbox *s = p->count > 0 ? p->spares[--p->count] : NULL;
    note_take(p);
    pthread_cond_broadcast(&p->cond);
    return s;
}

int runtime_sandbox_pool_take_dir(struct runtime_sandbox_pool *p, const char *path, mode_t mode)
{
    unsigned n = 0;
    if (p != NULL) {
        pthread_mutex_lock(&p->lock);
        if (p->dir_count > 0)
            n = p->dirs[--p->dir_count];
        note_take(p);
        pthread_mutex_unlock(&p->lock);
    }
    if (n != 0) {
        char from[4096];
        dir_path(p, n, from, sizeof from);
        if (renameat2(AT_FDCWD, from, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
            return mode == 0700 ? 0 : chmod(path, mode);
        /* There already (a pod resumed), or not to be had: back to the pool unless it is full again, and a
         * plain mkdir. */
        int saved = errno;
        pthread_mutex_lock(&p->lock);
        if (saved == EEXIST && p->dir_count < p->size * DIRS_PER_SPARE)
            p->dirs[p->dir_count++] = n;
        else
            rmdir(from);
        pthread_mutex_unlock(&p->lock);
    }
    return mkdir(path, mode);
}

static int replace(char **field, const char *value, husk_error *err)
{
    char *copy = strdup(value);
    if (copy == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    free(*field);
    *field = copy;
    return 0;
}

/* Renames the spare s into the sandbox of c's pod; s's paths follow each rename as it is made, so that
 * removing s afterwards, whatever failed, finds all of it. */
static int make_pods(struct runtime_sandbox *s, const struct runtime_sandbox_config *c, husk_error *err)
{
    char cgroup[1024], path[4200];
    const struct runtime_cgroup_manager *cgroups;
    if (!runtime_sandbox_alive(s))
        return husk_error_set(err, ESRCH, "its supervisor is gone");
    if (runtime_sandbox_pod_cgroup(c, cgroup, sizeof cgroup) < 0)
        return husk_error_set(err, ENAMETOOLONG, "the pod's cgroup path is too long");
    snprintf(path, sizeof path, "%s/sandbox.json", s->state_dir);
    if (runtime_sandbox_write_etc_files(c, s->state_dir, err) < 0 ||
        (c->log_dir != NULL && husk_mkdir_p(c->log_dir, 0755, err) < 0) ||
        runtime_sandbox_info_save(c, cgroup, path, err) < 0)
        return -1;
    if (runtime_cgroup_manager_get(&cgroups, err) < 0 || cgroups->rename == NULL ||
        cgroups->rename(s->cgroup_path, cgroup, err) < 0 || replace(&s->cgroup_path, cgroup, err) < 0 ||
        cgroups->set_resources(cgroup, &c->resources, err) < 0)
        return -1;
    snprintf(path, sizeof path, "%s", c->state_dir);
    char *slash = strrchr(path, '/');
    if (slash != NULL && slash != path) {
        *slash = '\0';
        if (husk_mkdir_p(path, 0700, err) < 0)
            return -1;
    }
    if (rename(s->state_dir, c->state_dir) < 0)
        return husk_error_set_errno(err, errno, "renaming %s to %s", s->state_dir, c->state_dir);
    /* The pin of its network namespace (STATE/netns) came along: a mount stays on its file when the dir
     * above is renamed. */
    char reply[64];
    if (replace(&s->state_dir, c->state_dir, err) < 0)
        return -1;
    return runtime_supervisor_request(s->state_dir, "adopt", reply, sizeof reply, err);
}

int runtime_sandbox_pool_adopt(struct runtime_sandbox_pool *p, const struct runtime_sandbox_config *c,
                               struct runtime_sandbox **ret_sandbox)
{
    /* A spare unshared all five namespaces: a pod that shares one of the host's needs a sandbox of its own.
     */
    if (c->host_network || c->host_ipc || c->host_pid)
        return -1;
    pthread_mutex_lock(&p->lock);
    struct runtime_sandbox *s = take(p);
    pthread_mutex_unlock(&p->lock);
    if (s == NULL)
        return -1;
    husk_error err = {0};
    int r = make_pods(s, c, &err);
    if (r < 0) {
        log_warn("pod %s: a spare sandbox could not be made its own (%s); making one afresh", c->pod_name,
                 err.message);
        remove_sandbox(s);
        return -1;
    }
    *ret_sandbox = s;
    return 0;
}
