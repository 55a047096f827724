/* Unit tests for the SQLite store (src/api/store_sqlite.c): versions, conflicts, the change log, and
 * durability across a SIGKILL in the middle of writes. */
#include "api/store.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

static store *open_temp(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/husk-store-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/store.db", dir);
    store *s = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(store_sqlite_open(path, &s, &err), 0);
    return s;
}

/* Removes the store files and the directory that open_temp made. */
static void remove_temp(const char *dir)
{
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm"};
    char path[512];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static json_t *pod(const char *name)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "Pod", "metadata", "name", name,
                     "namespace", "default");
}

TEST(store_versions_increase_with_every_write)
{
    char dir[64];
    store *s = open_temp(dir, sizeof dir);
    husk_error err = {0};
    json_t *a = pod("a"), *b = pod("b");
    struct store_key ka = {"pods", "default", "a"}, kb = {"pods", "default", "b"};
    CHECK_INT_EQ(store_create(s, &ka, a, &err), 0);
    CHECK_INT_EQ(store_object_rv(a), 1);
    CHECK_INT_EQ(store_create(s, &kb, b, &err), 0);
    CHECK_INT_EQ(store_object_rv(b), 2);
    CHECK_INT_EQ(store_update(s, &ka, a, 1, &err), 0);
    CHECK_INT_EQ(store_object_rv(a), 3);
    CHECK_INT_EQ(store_current_rv(s), 3);
    json_t *items = NULL;
    int64_t rv = 0;
    CHECK_INT_EQ(store_list(s, "pods", "default", &items, &rv, &err), 0);
    CHECK_INT_EQ(json_array_size(items), 2);
    CHECK_INT_EQ(rv, 3);
    json_decref(items);
    json_decref(a);
    json_decref(b);
    store_close(s);
    remove_temp(dir);
}

TEST(store_create_twice_is_already_exists)
{
    char dir[64];
    store *s = open_temp(dir, sizeof dir);
    husk_error err = {0};
    json_t *a = pod("a");
    struct store_key ka = {"pods", "default", "a"};
    CHECK_INT_EQ(store_create(s, &ka, a, &err), 0);
    CHECK_INT_EQ(store_create(s, &ka, a, &err), -1);
    CHECK_INT_EQ(err.code, EEXIST);
    json_decref(a);
    store_close(s);
    remove_temp(dir);
}

TEST(store_stale_update_is_conflict_and_missing_is_not_found)
{
    char dir[64];
    store *s = open_temp(dir, sizeof dir);
    husk_error err = {0};
    json_t *a = pod("a");
    struct store_key ka = {"pods", "default", "a"}, kx = {"pods", "default", "x"};
    CHECK_INT_EQ(store_create(s, &ka, a, &err), 0);
    CHECK_INT_EQ(store_update(s, &ka, a, 1, &err), 0);
    CHECK_INT_EQ(store_update(s, &ka, a, 1, &err), -1);
    CHECK_INT_EQ(err.code, ESTALE);
    CHECK_INT_EQ(store_update(s, &kx, a, 0, &err), -1);
    CHECK_INT_EQ(err.code, ENOENT);
    json_t *got = NULL;
    CHECK_INT_EQ(store_get(s, &kx, &got, &err), -1);
    CHECK_INT_EQ(err.code, ENOENT);
    CHECK_INT_EQ(store_delete(s, &ka, 1, NULL, &err), -1);
    CHECK_INT_EQ(err.code, ESTALE);
    CHECK_INT_EQ(store_delete(s, &ka, 0, NULL, &err), 0);
    CHECK_INT_EQ(store_get(s, &ka, &got, &err), -1);
    json_decref(a);
    store_close(s);
    remove_temp(dir);
}

TEST(store_change_log_replays_from_a_version)
{
    char dir[64];
    store *s = open_temp(dir, sizeof dir);
    husk_error err = {0};
    json_t *a = pod("a");
    struct store_key ka = {"pods", "default", "a"};
    CHECK_INT_EQ(store_create(s, &ka, a, &err), 0);
    CHECK_INT_EQ(store_update(s, &ka, a, 0, &err), 0);
    json_t *old = NULL;
    CHECK_INT_EQ(store_delete(s, &ka, 0, &old, &err), 0);
    CHECK_INT_EQ(store_object_rv(old), 3);
    json_t *events = NULL;
    CHECK_INT_EQ(store_changes(s, "pods", NULL, 1, 100, STORE_CHANGES_PREV, &events, &err), 0);
    CHECK_INT_EQ(json_array_size(events), 2);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(events, 0), "type")), "MODIFIED");
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(events, 1), "type")), "DELETED");
    /* MODIFIED and DELETED carry the version before the write, for watches with selectors. */
    CHECK_INT_EQ(store_object_rv(json_object_get(json_array_get(events, 0), "prev")), 1);
    CHECK_INT_EQ(store_object_rv(json_object_get(json_array_get(events, 1), "prev")), 2);
    json_decref(events);
    /* Without flags: no prev. As text: the stored JSON and its version, no parsed object. */
    CHECK_INT_EQ(store_changes(s, "pods", NULL, 1, 100, 0, &events, &err), 0);
    CHECK_INT_EQ(json_array_size(events), 2);
    CHECK(json_object_get(json_array_get(events, 0), "prev") == NULL);
    CHECK_INT_EQ(store_object_rv(json_object_get(json_array_get(events, 0), "object")), 2);
    json_decref(events);
    CHECK_INT_EQ(store_changes(s, "pods", NULL, 0, 100, STORE_CHANGES_TEXT, &events, &err), 0);
    CHECK_INT_EQ(json_array_size(events), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *ev = json_array_get(events, i);
        CHECK(json_object_get(ev, "object") == NULL);
        CHECK_INT_EQ(json_integer_value(json_object_get(ev, "rv")), (json_int_t)i + 1);
        json_t *parsed = json_loads(json_string_value(json_object_get(ev, "text")), 0, NULL);
        CHECK(parsed != NULL);
        CHECK_INT_EQ(store_object_rv(parsed), (int64_t)i + 1);
        CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(parsed, "metadata"), "name")), "a");
        json_decref(parsed);
    }
    json_decref(events);
    CHECK_INT_EQ(store_changes(s, "pods", "other", 0, 100, STORE_CHANGES_PREV, &events, &err), 0);
    CHECK_INT_EQ(json_array_size(events), 0);
    json_decref(events);
    json_decref(old);
    json_decref(a);
    store_close(s);
    remove_temp(dir);
}

TEST_WITH_TIMEOUT(store_compacted_log_is_gone, 120)
{
    char dir[64];
    store *s = open_temp(dir, sizeof dir);
    husk_error err = {0};
    json_t *a = pod("a");
    struct store_key ka = {"pods", "default", "a"};
    CHECK_INT_EQ(store_create(s, &ka, a, &err), 0);
    /* Synchronous commits are slow on purpose; batch the writes through one key to pass the log size. */
    for (int i = 0; i < STORE_CHANGE_LOG_MAX + 100; i++)
        CHECK_INT_EQ(store_update(s, &ka, a, 0, &err), 0);
    json_t *events = NULL;
    CHECK_INT_EQ(store_changes(s, "pods", NULL, 5, 10, STORE_CHANGES_PREV, &events, &err), -1);
    CHECK_INT_EQ(err.code, ERANGE);
    CHECK_STR_CONTAINS(err.message, "too old resource version");
    CHECK_INT_EQ(
        store_changes(s, "pods", NULL, store_current_rv(s) - 5, 10, STORE_CHANGES_PREV, &events, &err), 0);
    CHECK_INT_EQ(json_array_size(events), 5);
    json_decref(events);
    json_decref(a);
    store_close(s);
    remove_temp(dir);
}

/* A child writes objects and reports each acknowledged one on a pipe; it is SIGKILLed mid-stream. Every
 * acknowledged write must be in the store when it is reopened. */
/* Pods p0 .. p(n-1) are there, each at the version of its create, the first writes of the store. */
static void check_written_in_order(store *s, int n)
{
    husk_error err = {0};
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%d", i);
        struct store_key k = {"pods", "default", name};
        json_t *got = NULL;
        CHECK_INT_EQ(store_get(s, &k, &got, &err), 0);
        CHECK_INT_EQ(store_object_rv(got), i + 1);
        json_decref(got);
    }
}

TEST_WITH_TIMEOUT(store_keeps_every_acknowledged_write_across_sigkill, 60)
{
    char dir[64];
    store *s = open_temp(dir, sizeof dir);
    store_close(s);
    char path[512];
    snprintf(path, sizeof path, "%s/store.db", dir);
    int fds[2];
    CHECK(pipe2(fds, O_CLOEXEC) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        husk_error err = {0};
        store *cs = NULL;
        if (store_sqlite_open(path, &cs, &err) < 0)
            _exit(3);
        for (int i = 0;; i++) {
            char name[32];
            snprintf(name, sizeof name, "p%d", i);
            json_t *p = pod(name);
            struct store_key k = {"pods", "default", name};
            if (store_create(cs, &k, p, &err) < 0)
                _exit(4);
            json_decref(p);
            if (write(fds[1], &i, sizeof i) != sizeof i)
                _exit(5);
        }
    }
    close(fds[1]);
    int last = -1, v;
    while (last < 200 && read(fds[0], &v, sizeof v) == sizeof v)
        last = v;
    kill(child, SIGKILL);
    while (read(fds[0], &v, sizeof v) == sizeof v)
        last = v;
    waitpid(child, NULL, 0);
    close(fds[0]);
    husk_error err = {0};
    CHECK_INT_EQ(store_sqlite_open(path, &s, &err), 0);
    check_written_in_order(s, last + 1);
    CHECK(store_current_rv(s) >= last + 1);
    store_close(s);
    remove_temp(dir);
}

/* A damaged file: store_sqlite_open says EBADMSG; store_open_or_recover sets it aside, makes a fresh store,
 * and says so. */
struct writer {
    store *s;
    int id, failures;
};

#define WRITERS     8
#define WRITES_EACH 40

static void *write_many(void *arg)
{
    struct writer *w = arg;
    for (int i = 0; i < WRITES_EACH; i++) {
        char name[32];
        snprintf(name, sizeof name, "w%d-%d", w->id, i);
        json_t *p = pod(name);
        struct store_key k = {"pods", "default", name};
        husk_error err = {0};
        if (store_create(w->s, &k, p, &err) < 0)
            w->failures++;
        json_decref(p);
    }
    return NULL;
}

/* Writers at once share syncs (group commit): every write is acknowledged and in the change log, in
 * version order, with fewer WAL syncs than writes. */
TEST_WITH_TIMEOUT(store_concurrent_writers_share_syncs, 60)
{
    char dir[64];
    store *s = open_temp(dir, sizeof dir);
    int64_t syncs_before = store_sqlite_syncs(s);
    pthread_t threads[WRITERS];
    struct writer writers[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        writers[i] = (struct writer){s, i, 0};
        CHECK(pthread_create(&threads[i], NULL, write_many, &writers[i]) == 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(threads[i], NULL);
        CHECK_INT_EQ(writers[i].failures, 0);
    }
    CHECK_INT_EQ(store_current_rv(s), WRITERS * WRITES_EACH);
    json_t *events = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(store_changes(s, "pods", NULL, 0, 10000, STORE_CHANGES_PREV, &events, &err), 0);
    CHECK_INT_EQ(json_array_size(events), WRITERS * WRITES_EACH);
    for (size_t i = 0; i < json_array_size(events); i++)
        CHECK_INT_EQ(store_object_rv(json_object_get(json_array_get(events, i), "object")), (int64_t)i + 1);
    json_decref(events);
    int64_t syncs = store_sqlite_syncs(s) - syncs_before;
    fprintf(stderr, "# %d writes, %lld syncs\n", WRITERS * WRITES_EACH, (long long)syncs);
    CHECK(syncs >= 1 && syncs < WRITERS * WRITES_EACH);
    store_close(s);
    remove_temp(dir);
}

struct sync_watch {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    store *s;
    int calls;
    int64_t seen_rv; /* store_current_rv when on_sync ran last */
};

static void count_sync(void *data)
{
    struct sync_watch *w = data;
    pthread_mutex_lock(&w->lock);
    w->calls++;
    w->seen_rv = store_current_rv(w->s);
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

/* Unsynced writes (node statuses, events) return before their sync; the syncer syncs them, then says so:
 * watches (current_rv, the change log) see them only from then on, reads at once; close syncs the rest,
 * so that a reopened store has them all. */
TEST_WITH_TIMEOUT(store_unsynced_writes_become_visible_after_the_syncer_syncs, 60)
{
    char dir[64];
    store *s = open_temp(dir, sizeof dir);
    struct sync_watch w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, s, 0, 0};
    store_set_on_sync(s, count_sync, &w);
    husk_error err = {0};
    json_t *a = pod("a");
    struct store_key ka = {"pods", "default", "a"};
    CHECK_INT_EQ(store_create(s, &ka, a, &err), 0);
    CHECK_INT_EQ(store_update_unsynced(s, &ka, a, 1, &err), 0);
    CHECK_INT_EQ(store_object_rv(a), 2);
    json_t *got = NULL;
    CHECK_INT_EQ(store_get(s, &ka, &got, &err), 0); /* reads see it at once */
    CHECK_INT_EQ(store_object_rv(got), 2);
    json_decref(got);
    pthread_mutex_lock(&w.lock);
    while (w.seen_rv < 2)
        pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
    CHECK_INT_EQ(store_current_rv(s), 2);
    json_t *events = NULL;
    CHECK_INT_EQ(store_changes(s, "pods", NULL, 1, 100, STORE_CHANGES_PREV, &events, &err), 0);
    CHECK_INT_EQ(json_array_size(events), 1);
    json_decref(events);
    /* Conflicts are refused as for synced writes, and a create of an existing key too. */
    CHECK_INT_EQ(store_update_unsynced(s, &ka, a, 1, &err), -1);
    CHECK_INT_EQ(err.code, ESTALE);
    husk_error_clear(&err);
    CHECK_INT_EQ(store_create_unsynced(s, &ka, a, &err), -1);
    CHECK_INT_EQ(err.code, EEXIST);
    husk_error_clear(&err);
    /* Many at once, then close at once: none is lost. */
    store_set_on_sync(s, NULL, NULL);
    for (int i = 0; i < 50; i++) {
        char name[32];
        snprintf(name, sizeof name, "e%d", i);
        json_t *p = pod(name);
        struct store_key k = {"events", "default", name};
        CHECK_INT_EQ(store_create_unsynced(s, &k, p, &err), 0);
        json_decref(p);
    }
    store_close(s);
    char path[512];
    snprintf(path, sizeof path, "%s/store.db", dir);
    CHECK_INT_EQ(store_sqlite_open(path, &s, &err), 0);
    CHECK_INT_EQ(store_current_rv(s), 52);
    json_t *items = NULL;
    int64_t rv = 0;
    CHECK_INT_EQ(store_list(s, "events", "default", &items, &rv, &err), 0);
    CHECK_INT_EQ(json_array_size(items), 50);
    json_decref(items);
    json_decref(a);
    store_close(s);
    remove_temp(dir);
}

TEST(store_damaged_file_is_set_aside_and_recreated)
{
    char dir[64], path[512];
    snprintf(dir, sizeof dir, "/tmp/husk-store-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/store.db", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    char garbage[8192];
    for (size_t i = 0; i < sizeof garbage; i++)
        garbage[i] = (char)(i * 7 + 13);
    CHECK(write(fd, garbage, sizeof garbage) == (ssize_t)sizeof garbage);
    close(fd);
    store *s = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(store_sqlite_open(path, &s, &err), -1);
    CHECK_INT_EQ(err.code, EBADMSG);
    husk_error_clear(&err);
    bool recreated = false;
    CHECK_INT_EQ(store_open_or_recover(path, &s, &recreated, &err), 0);
    CHECK(recreated);
    json_t *a = pod("a");
    struct store_key ka = {"pods", "default", "a"};
    CHECK_INT_EQ(store_create(s, &ka, a, &err), 0);
    json_decref(a);
    store_close(s);
    /* The damaged file is kept beside the new one. */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls %s/store.db.corrupt-* >/dev/null 2>&1", dir);
    CHECK_INT_EQ(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT_EQ(system(cmd), 0);
}

/* A healthy store opens through the same path without being touched. */
TEST(store_healthy_file_is_not_recreated)
{
    char dir[64], path[512];
    store *s = open_temp(dir, sizeof dir);
    husk_error err = {0};
    json_t *a = pod("a");
    struct store_key ka = {"pods", "default", "a"};
    CHECK_INT_EQ(store_create(s, &ka, a, &err), 0);
    json_decref(a);
    store_close(s);
    snprintf(path, sizeof path, "%s/store.db", dir);
    bool recreated = true;
    CHECK_INT_EQ(store_open_or_recover(path, &s, &recreated, &err), 0);
    CHECK(!recreated);
    json_t *got = NULL;
    CHECK_INT_EQ(store_get(s, &ka, &got, &err), 0);
    json_decref(got);
    store_close(s);
    remove_temp(dir);
}

static off_t wal_size(const char *dir)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/store.db-wal", dir);
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The WAL is made its full size at the open, so commits write into blocks that are there (a sync without
 * the file's metadata), through SQLite's checkpoints and restarts from the top; every write is read back
 * after a reopen. */
TEST_WITH_TIMEOUT(store_wal_is_full_size_from_the_open_and_keeps_every_write, 60)
{
    char dir[64];
    store *s = open_temp(dir, sizeof dir);
    off_t reserved = wal_size(dir);
    CHECK(reserved >= 4 * 1024 * 1024);
    husk_error err = {0};
    enum { N = 600 }; /* a few frames each: past SQLite's checkpoint at 1000 frames */
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%d", i);
        json_t *p = pod(name);
        struct store_key k = {"pods", "default", name};
        CHECK_INT_EQ(store_create(s, &k, p, &err), 0);
        json_decref(p);
        CHECK_INT_EQ(wal_size(dir), reserved);
    }
    store_close(s);
    char path[512];
    snprintf(path, sizeof path, "%s/store.db", dir);
    CHECK_INT_EQ(store_sqlite_open(path, &s, &err), 0);
    check_written_in_order(s, N);
    store_close(s);
    remove_temp(dir);
}
