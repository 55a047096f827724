/* The embedded store backend: one SQLite database (DATA_DIR/store.db).
 *
 * Durability: a write is on disk before the API acknowledges it, which is what etcd promises the API
 * server too. SQLite's synchronous=FULL would sync the WAL inside every commit, holding the one connection
 * for the whole fdatasync (~1-3 ms here) while every other request waits: a burst of 100 pods makes ~700
 * writes (pods, their status, events). So commits run with synchronous=NORMAL (the WAL is written, not
 * synced; SQLite still syncs around checkpoints) and each writer then waits, with the connection free, until
 * one fdatasync of the WAL covers its version: group commit, one sync for all the writers that came in
 * the meantime. Watches (changes, current_rv) see only versions that are on disk.
 *
 * Every write runs in one transaction that bumps the global resourceVersion (meta.rv), writes the object
 * and appends the change to the log, so a watcher can never see a version without its object. One
 * connection, serialised by a mutex: the API server's threads share it. */
#include "api/store.h"
#include "base/cleanup.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Prepared statements, kept for the connection's life: preparing one (SQLite's parser) was a fifth of
 * the daemon's instructions for a pod start. Keyed by the address of the SQL text, a string literal. */
#define STMT_CACHE_SIZE 24
struct cached_stmt {
    const char *sql;
    sqlite3_stmt *st;
};

struct store_sqlite {
    store base;
    sqlite3 *db;
    struct cached_stmt stmts[STMT_CACHE_SIZE]; /* under lock */
    pthread_mutex_t lock;
    int64_t rv;           /* the last version written, mirrored from meta.rv */
    int64_t compacted_rv; /* changes at or below this version are gone from the log */
    char *wal_path;
    /* Group commit: guards the fields below; `synced` is signalled after each sync. */
    pthread_mutex_t sync_lock;
    pthread_cond_t synced;
    bool syncing;       /* a writer is in fdatasync for everyone */
    int64_t durable_rv; /* every version up to this one is on disk */
    int64_t syncs;
    /* Unsynced writes (store_update_unsynced): the syncer thread syncs up to unsynced_rv, then calls on_sync
     * so that watches see them. Guarded by sync_lock, signalled through `unsynced`. */
    pthread_t syncer;
    bool syncer_running, stopping, in_on_sync;
    pthread_cond_t unsynced;
    int64_t unsynced_rv, announced_rv;
    void (*on_sync)(void *data);
    void *on_sync_data;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta VALUES ('rv', 0), ('compacted_rv', 0);"
    "CREATE TABLE IF NOT EXISTS objects (resource TEXT NOT NULL, namespace TEXT NOT NULL,"
    " name TEXT NOT NULL, rv INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (resource, namespace, name));"
    "CREATE TABLE IF NOT EXISTS changes (rv INTEGER PRIMARY KEY, type TEXT NOT NULL, resource TEXT NOT NULL,"
    " namespace TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, prev TEXT);";

static int db_fail(struct store_sqlite *s, husk_error *err, const char *what)
{
    return husk_error_set(err, EIO, "store: %s: %s", what, sqlite3_errmsg(s->db));
}

/* One text, so that get and the write path share its prepared statement. */
static const char select_data[] =
    "SELECT data FROM objects WHERE resource = ? AND namespace = ? AND name = ?";

/* A damaged file is EBADMSG, so that the daemon can tell it from a store it cannot open for other reasons
 * (permissions, a full disk) and set it aside. */
static int sqlite_errno(struct store_sqlite *s)
{
    int code = sqlite3_errcode(s->db);
    return code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? EBADMSG : EIO;
}

/* The statement for sql (a string literal), ready to bind; hand it back with release(). NULL on failure. */
static sqlite3_stmt *stmt(struct store_sqlite *s, const char *sql)
{
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
        if (s->stmts[i].sql == sql)
            return s->stmts[i].st;
        if (s->stmts[i].sql != NULL)
            continue;
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
            sqlite3_finalize(st);
            return NULL;
        }
        s->stmts[i] = (struct cached_stmt){sql, st};
        return st;
    }
    return NULL; /* more statements than slots: a programming error, reported as a failed prepare */
}

/* Ends a use of a cached statement: a statement left mid-way would hold its read transaction open. */
static void release(sqlite3_stmt *st)
{
    if (st != NULL) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

/* Runs a statement that returns no rows (BEGIN, COMMIT, ...) through the cache. */
static int step_sql(struct store_sqlite *s, const char *sql, husk_error *err)
{
    sqlite3_stmt *st = stmt(s, sql);
    int rc = st != NULL ? sqlite3_step(st) : SQLITE_ERROR;
    release(st);
    if (rc == SQLITE_DONE)
        return 0;
    return husk_error_set(err, sqlite_errno(s), "store: %s: %s", sql, sqlite3_errmsg(s->db));
}

static int exec_sql(struct store_sqlite *s, const char *sql, husk_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        husk_error_set(err, sqlite_errno(s), "store: %s", msg ? msg : "exec failed");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int64_t meta_read(struct store_sqlite *s, const char *key)
{
    sqlite3_stmt *st = stmt(s, "SELECT value FROM meta WHERE key = ?");
    int64_t v = 0;
    if (st != NULL) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    release(st);
    return v;
}

int64_t store_object_rv(const json_t *obj)
{
    const char *rv = json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
    if (rv == NULL || rv[0] == '\0')
        return 0;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(rv, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0)
        return -1;
    return v;
}

static void set_object_rv(json_t *obj, int64_t rv)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, rv);
    json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(obj, "metadata", meta);
    }
    json_object_set_new(meta, "resourceVersion", json_string(buf));
}

/* Reads the stored version of key: 0 when absent, -1 on error. */
static int64_t object_rv(struct store_sqlite *s, const struct store_key *key)
{
    sqlite3_stmt *st = stmt(s, "SELECT rv FROM objects WHERE resource = ? AND namespace = ? AND name = ?");
    int64_t v = -1;
    if (st != NULL) {
        sqlite3_bind_text(st, 1, key->resource, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key->ns ? key->ns : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, key->name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    }
    release(st);
    return v;
}

/* Runs one statement binding (resource, namespace, name[, rv, data]) as given. */
static int run_keyed(struct store_sqlite *s, const char *sql, const struct store_key *key, int64_t rv,
                     const char *data, husk_error *err)
{
    sqlite3_stmt *st = stmt(s, sql);
    if (st == NULL)
        return db_fail(s, err, "prepare");
    sqlite3_bind_text(st, 1, key->resource, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key->ns ? key->ns : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key->name, -1, SQLITE_STATIC);
    if (data != NULL) {
        sqlite3_bind_int64(st, 4, rv);
        sqlite3_bind_text(st, 5, data, -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(st);
    release(st);
    return rc == SQLITE_DONE ? 0 : db_fail(s, err, "write");
}

/* The stored JSON text of key (malloc'd), or NULL. */
static char *read_data(struct store_sqlite *s, const struct store_key *key)
{
    sqlite3_stmt *st = stmt(s, select_data);
    char *data = NULL;
    if (st != NULL) {
        sqlite3_bind_text(st, 1, key->resource, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key->ns ? key->ns : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, key->name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
            data = strdup((const char *)sqlite3_column_text(st, 0));
    }
    release(st);
    return data;
}

static int insert_change(struct store_sqlite *s, const struct store_key *key, int64_t rv, const char *type,
                         const char *data, const char *prev, husk_error *err)
{
    sqlite3_stmt *st = stmt(s, "INSERT INTO changes (resource, namespace, name, rv, data, type, prev) "
                               "VALUES (?,?,?,?,?,?,?)");
    if (st == NULL)
        return db_fail(s, err, "prepare");
    sqlite3_bind_text(st, 1, key->resource, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key->ns ? key->ns : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, rv);
    sqlite3_bind_text(st, 5, data, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, type, -1, SQLITE_STATIC);
    if (prev != NULL)
        sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    release(st);
    return rc == SQLITE_DONE ? 0 : db_fail(s, err, "logging the change");
}

/* Drops the oldest changes once the log is over its size, every hundred writes to keep writes cheap. */
static int compact_log(struct store_sqlite *s, int64_t rv, husk_error *err)
{
    if (rv % 100 != 0 || rv - s->compacted_rv <= STORE_CHANGE_LOG_MAX)
        return 0;
    char sql[160];
    int64_t upto = rv - STORE_CHANGE_LOG_MAX;
    snprintf(sql, sizeof sql,
             "DELETE FROM changes WHERE rv <= %" PRId64 "; UPDATE meta SET value = %" PRId64
             " WHERE key = 'compacted_rv';",
             upto, upto);
    if (exec_sql(s, sql, err) < 0)
        return -1;
    s->compacted_rv = upto;
    return 0;
}

enum write_kind { WRITE_CREATE, WRITE_UPDATE, WRITE_DELETE };

/* The body of every write, inside BEGIN IMMEDIATE: check, bump the version, write, log. */
static int write_object(struct store_sqlite *s, enum write_kind kind, const struct store_key *key,
                        json_t *obj, const char *prev, husk_error *err);

static int write_locked(struct store_sqlite *s, enum write_kind kind, const struct store_key *key,
                        json_t *obj, int64_t expected_rv, husk_error *err)
{
    int64_t cur = object_rv(s, key);
    if (cur < 0)
        return db_fail(s, err, "read");
    if (kind == WRITE_CREATE && cur > 0)
        return husk_error_set(err, EEXIST, "%s \"%s\" already exists", key->resource, key->name);
    if (kind != WRITE_CREATE && cur == 0)
        return husk_error_set(err, ENOENT, "%s \"%s\" not found", key->resource, key->name);
    if (kind != WRITE_CREATE && expected_rv != 0 && expected_rv != cur)
        return husk_error_set(err, ESTALE,
                              "%s \"%s\": resourceVersion %" PRId64 " is not the current %" PRId64,
                              key->resource, key->name, expected_rv, cur);
    /* The version before the write goes in the log too: a watch with a selector needs it to tell an object
     * that stops matching (sent as DELETED) from one that never did. */
    char *prev = kind == WRITE_CREATE ? NULL : read_data(s, key);
    int r = write_object(s, kind, key, obj, prev, err);
    free(prev);
    return r;
}

/* Bumps the version, writes (or deletes) the object and logs the change. */
static int write_object(struct store_sqlite *s, enum write_kind kind, const struct store_key *key,
                        json_t *obj, const char *prev, husk_error *err)
{
    static const char *const types[] = {"ADDED", "MODIFIED", "DELETED"};
    int64_t rv = s->rv + 1;
    set_object_rv(obj, rv);
    cleanup_free char *data = json_dumps(obj, JSON_COMPACT);
    if (data == NULL)
        return husk_error_set(err, ENOMEM, "store: cannot encode %s \"%s\"", key->resource, key->name);
    sqlite3_stmt *st = stmt(s, "UPDATE meta SET value = ? WHERE key = 'rv'");
    if (st == NULL)
        return db_fail(s, err, "prepare");
    sqlite3_bind_int64(st, 1, rv);
    int rc = sqlite3_step(st);
    release(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, err, "write");
    int r = 0;
    if (kind == WRITE_DELETE)
        r = run_keyed(s, "DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?", key, 0,
                      NULL, err);
    else
        r = run_keyed(
            s, "INSERT OR REPLACE INTO objects (resource, namespace, name, rv, data) VALUES (?,?,?,?,?)", key,
            rv, data, err);
    if (r < 0)
        return -1;
    if (insert_change(s, key, rv, types[kind], data, prev, err) < 0)
        return -1;
    if (compact_log(s, rv, err) < 0)
        return -1;
    s->rv = rv;
    return 0;
}

/* The WAL's data to disk (the database file instead while no WAL exists). */
static int sync_wal(const struct store_sqlite *s)
{
    int fd = open(s->wal_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        char *db = strndup(s->wal_path, strlen(s->wal_path) - strlen("-wal"));
        fd = db != NULL ? open(db, O_RDONLY | O_CLOEXEC) : -1;
        free(db);
    }
    if (fd < 0)
        return errno;
    int e = fdatasync(fd) < 0 ? errno : 0;
    close(fd);
    return e;
}

/* Returns once version rv is on disk: the first writer to find no sync running syncs for every version
 * committed so far, the others wait for it (and one of them goes next if theirs was not covered). */
static int wait_durable(struct store_sqlite *s, int64_t rv, husk_error *err)
{
    int e = 0;
    pthread_mutex_lock(&s->sync_lock);
    while (s->durable_rv < rv && e == 0) {
        if (s->syncing) {
            pthread_cond_wait(&s->synced, &s->sync_lock);
            continue;
        }
        s->syncing = true;
        pthread_mutex_unlock(&s->sync_lock);
        /* Under the connection's lock no commit is half done: every version up to s->rv is in the WAL. */
        pthread_mutex_lock(&s->lock);
        int64_t covered = s->rv;
        pthread_mutex_unlock(&s->lock);
        e = sync_wal(s);
        pthread_mutex_lock(&s->sync_lock);
        s->syncing = false;
        s->syncs++;
        if (e == 0 && covered > s->durable_rv)
            s->durable_rv = covered;
        pthread_cond_broadcast(&s->synced);
    }
    pthread_mutex_unlock(&s->sync_lock);
    return e == 0 ? 0 : husk_error_set_errno(err, e, "store: syncing %s", s->wal_path);
}

static int64_t durable_rv(struct store_sqlite *s)
{
    pthread_mutex_lock(&s->sync_lock);
    int64_t rv = s->durable_rv;
    pthread_mutex_unlock(&s->sync_lock);
    return rv;
}

int64_t store_sqlite_syncs(store *base)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    pthread_mutex_lock(&s->sync_lock);
    int64_t n = s->syncs;
    pthread_mutex_unlock(&s->sync_lock);
    return n;
}

/* The syncer: makes unsynced writes durable, one sync for all that came in meanwhile, and announces them. */
static void *syncer_main(void *data)
{
    struct store_sqlite *s = data;
    pthread_mutex_lock(&s->sync_lock);
    for (;;) {
        while (!s->stopping && s->unsynced_rv <= s->announced_rv)
            pthread_cond_wait(&s->unsynced, &s->sync_lock);
        if (s->stopping)
            break;
        int64_t target = s->unsynced_rv;
        pthread_mutex_unlock(&s->sync_lock);
        husk_error err = {0};
        /* On failure the writes stay committed, not announced: the next durable write retries the sync. */
        if (wait_durable(s, target, &err) < 0)
            log_error("%s", err.message);
        pthread_mutex_lock(&s->sync_lock);
        if (target > s->announced_rv)
            s->announced_rv = target;
        void (*fn)(void *) = err.code == 0 ? s->on_sync : NULL;
        void *fn_data = s->on_sync_data;
        s->in_on_sync = fn != NULL;
        pthread_mutex_unlock(&s->sync_lock);
        if (fn != NULL)
            fn(fn_data);
        pthread_mutex_lock(&s->sync_lock);
        s->in_on_sync = false;
        pthread_cond_broadcast(&s->synced);
    }
    pthread_mutex_unlock(&s->sync_lock);
    return NULL;
}

/* Hands version rv to the syncer, started on first use. */
static int defer_sync(struct store_sqlite *s, int64_t rv, husk_error *err)
{
    pthread_mutex_lock(&s->sync_lock);
    int e = 0;
    if (!s->syncer_running) {
        e = pthread_create(&s->syncer, NULL, syncer_main, s);
        s->syncer_running = e == 0;
    }
    if (rv > s->unsynced_rv)
        s->unsynced_rv = rv;
    pthread_cond_signal(&s->unsynced);
    pthread_mutex_unlock(&s->sync_lock);
    /* Without a syncer the write still must reach the disk: the caller waits for it instead. */
    return e == 0 ? 0 : wait_durable(s, rv, err);
}

static int do_write(store *base, enum write_kind kind, const struct store_key *key, json_t *obj,
                    int64_t expected_rv, bool sync, husk_error *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    pthread_mutex_lock(&s->lock);
    int r = step_sql(s, "BEGIN IMMEDIATE", err);
    if (r == 0) {
        r = write_locked(s, kind, key, obj, expected_rv, err);
        husk_error ignored = {0};
        if (r == 0)
            r = step_sql(s, "COMMIT", err);
        if (r < 0) {
            step_sql(s, "ROLLBACK", &ignored);
            s->rv = meta_read(s, "rv");
        }
    }
    int64_t written = s->rv;
    pthread_mutex_unlock(&s->lock);
    if (r < 0)
        return -1;
    return sync ? wait_durable(s, written, err) : defer_sync(s, written, err);
}

static int sqlite_create(store *base, const struct store_key *key, json_t *obj, husk_error *err)
{
    return do_write(base, WRITE_CREATE, key, obj, 0, true, err);
}

static int sqlite_update(store *base, const struct store_key *key, json_t *obj, int64_t expected_rv,
                         husk_error *err)
{
    return do_write(base, WRITE_UPDATE, key, obj, expected_rv, true, err);
}

static int sqlite_write_unsynced(store *base, bool create, const struct store_key *key, json_t *obj,
                                 int64_t expected_rv, husk_error *err)
{
    return do_write(base, create ? WRITE_CREATE : WRITE_UPDATE, key, obj, create ? 0 : expected_rv, false,
                    err);
}

static void sqlite_set_on_sync(store *base, void (*fn)(void *data), void *data)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    pthread_mutex_lock(&s->sync_lock);
    /* Once this returns the old callback is not running, so its data may go. */
    while (s->in_on_sync)
        pthread_cond_wait(&s->synced, &s->sync_lock);
    s->on_sync = fn;
    s->on_sync_data = data;
    pthread_mutex_unlock(&s->sync_lock);
}

static int sqlite_remove(store *base, const struct store_key *key, int64_t expected_rv, json_t **ret_old,
                         husk_error *err)
{
    json_t *old = NULL;
    if (base->ops->get(base, key, &old, err) < 0)
        return -1;
    int r = do_write(base, WRITE_DELETE, key, old, expected_rv, true, err);
    if (r == 0 && ret_old != NULL)
        *ret_old = old;
    else
        json_decref(old);
    return r;
}

static json_t *column_json(sqlite3_stmt *st, int col)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    return text ? json_loads(text, 0, NULL) : NULL;
}

static int sqlite_get(store *base, const struct store_key *key, json_t **ret_obj, husk_error *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    int r = 0;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = stmt(s, select_data);
    if (st == NULL) {
        r = db_fail(s, err, "prepare");
    } else {
        sqlite3_bind_text(st, 1, key->resource, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key->ns ? key->ns : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, key->name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        json_t *obj = rc == SQLITE_ROW ? column_json(st, 0) : NULL;
        if (rc == SQLITE_DONE)
            r = husk_error_set(err, ENOENT, "%s \"%s\" not found", key->resource, key->name);
        else if (obj == NULL)
            r = db_fail(s, err, "read");
        else
            *ret_obj = obj;
    }
    release(st);
    pthread_mutex_unlock(&s->lock);
    return r;
}

static int sqlite_list(store *base, const char *resource, const char *ns, json_t **ret_items, int64_t *ret_rv,
                       husk_error *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite3_stmt *st = NULL;
    const char *sql =
        ns ? "SELECT data FROM objects WHERE resource = ?1 AND namespace = ?2 ORDER BY namespace, name"
           : "SELECT data FROM objects WHERE resource = ?1 ORDER BY namespace, name";
    json_t *items = json_array();
    int r = 0, rc = SQLITE_DONE;
    pthread_mutex_lock(&s->lock);
    st = stmt(s, sql);
    if (st == NULL) {
        r = db_fail(s, err, "prepare");
    } else {
        sqlite3_bind_text(st, 1, resource, -1, SQLITE_STATIC);
        if (ns)
            sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            json_t *obj = column_json(st, 0);
            if (obj)
                json_array_append_new(items, obj);
        }
        if (rc != SQLITE_DONE)
            r = db_fail(s, err, "list");
    }
    release(st);
    int64_t rv = s->rv;
    pthread_mutex_unlock(&s->lock);
    if (r < 0) {
        json_decref(items);
        return -1;
    }
    *ret_items = items;
    if (ret_rv)
        *ret_rv = rv;
    return 0;
}

static int changes_locked(struct store_sqlite *s, const char *resource, const char *ns, int64_t since_rv,
                          int64_t durable, int limit, unsigned flags, json_t *events, husk_error *err)
{
    if (since_rv < s->compacted_rv)
        return husk_error_set(err, ERANGE, "too old resource version: %" PRId64 " (%" PRId64 ")", since_rv,
                              s->compacted_rv + 1);
    sqlite3_stmt *st = NULL;
    const char *sql =
        ns ? "SELECT type, data, prev, rv FROM changes WHERE rv > ?1 AND rv <= ?5 AND resource = ?2 AND "
             "namespace = ?3 ORDER BY rv LIMIT ?4"
           : "SELECT type, data, prev, rv FROM changes WHERE rv > ?1 AND rv <= ?5 AND resource = ?2 ORDER BY "
             "rv "
             "LIMIT ?4";
    st = stmt(s, sql);
    if (st == NULL)
        return db_fail(s, err, "prepare");
    sqlite3_bind_int64(st, 1, since_rv);
    sqlite3_bind_text(st, 2, resource, -1, SQLITE_STATIC);
    if (ns)
        sqlite3_bind_text(st, 3, ns, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, limit);
    sqlite3_bind_int64(st, 5, durable);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0),
                   *text = (const char *)sqlite3_column_text(st, 1);
        json_t *ev = NULL;
        if (text == NULL || type == NULL)
            continue;
        if (flags & STORE_CHANGES_TEXT) {
            ev = json_pack("{s:s, s:s, s:I}", "type", type, "text", text, "rv",
                           (json_int_t)sqlite3_column_int64(st, 3));
        } else {
            json_t *obj = column_json(st, 1);
            if (obj == NULL)
                continue;
            ev = json_pack("{s:s, s:o}", "type", type, "object", obj);
        }
        json_t *prev = flags & STORE_CHANGES_PREV ? column_json(st, 2) : NULL;
        if (prev != NULL)
            json_object_set_new(ev, "prev", prev);
        json_array_append_new(events, ev);
    }
    release(st);
    return rc == SQLITE_DONE ? 0 : db_fail(s, err, "changes");
}

static int sqlite_changes(store *base, const char *resource, const char *ns, int64_t since_rv, int limit,
                          unsigned flags, json_t **ret_events, husk_error *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    json_t *events = json_array();
    int64_t durable = durable_rv(s);
    pthread_mutex_lock(&s->lock);
    int r = changes_locked(s, resource, ns, since_rv, durable, limit, flags, events, err);
    pthread_mutex_unlock(&s->lock);
    if (r < 0) {
        json_decref(events);
        return -1;
    }
    *ret_events = events;
    return 0;
}

static int64_t sqlite_current_rv(store *base)
{
    return durable_rv((struct store_sqlite *)base);
}

static void sqlite_close(store *base)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    pthread_mutex_lock(&s->sync_lock);
    bool joining = s->syncer_running;
    s->stopping = true;
    pthread_cond_signal(&s->unsynced);
    pthread_mutex_unlock(&s->sync_lock);
    if (joining)
        pthread_join(s->syncer, NULL);
    /* Unsynced writes reach the disk before the store goes. */
    husk_error err = {0};
    if (s->db != NULL && wait_durable(s, s->rv, &err) < 0)
        log_error("%s", err.message);
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
        sqlite3_finalize(s->stmts[i].st);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->sync_lock);
    pthread_cond_destroy(&s->synced);
    pthread_cond_destroy(&s->unsynced);
    free(s->wal_path);
    free(s);
}

/* PRAGMA quick_check at open: the b-trees and the records are well formed (it skips the index-content
 * cross-check of integrity_check, which is O(N log N)); the first problem becomes an EBADMSG error. */
static int check_integrity(struct store_sqlite *s, husk_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
        return husk_error_set(err, sqlite_errno(s), "store: integrity check: %s", sqlite3_errmsg(s->db));
    int rc = sqlite3_step(st);
    const char *result = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    int r = 0;
    if (result == NULL)
        r = husk_error_set(err, sqlite_errno(s), "store: integrity check: %s", sqlite3_errmsg(s->db));
    else if (strcmp(result, "ok") != 0)
        r = husk_error_set(err, EBADMSG, "store: integrity check: %s", result);
    sqlite3_finalize(st);
    return r;
}

static const struct store_ops sqlite_ops = {
    .create = sqlite_create,
    .get = sqlite_get,
    .list = sqlite_list,
    .update = sqlite_update,
    .write_unsynced = sqlite_write_unsynced,
    .set_on_sync = sqlite_set_on_sync,
    .remove = sqlite_remove,
    .changes = sqlite_changes,
    .current_rv = sqlite_current_rv,
    .close = sqlite_close,
};

/* The WAL's size once SQLite checkpoints it (wal_autocheckpoint: 1000 frames of a 4 KiB page and its 24-byte
 * header) and restarts it from the top, with room for the commit that crossed the line. */
#define WAL_RESERVE (32 + 1100 * (4096 + 24))

/* Extends the WAL to that size with zeros: a commit that extends the file makes its fdatasync write the
 * inode and the new blocks' metadata too (~0.1 ms against ~0.04 for blocks already there, several times
 * that with the disk busy), and a new daemon's WAL would grow for its first ~15 pod starts. SQLite reads a
 * WAL's frames up to the first one whose salt and checksum do not match its header, and writes from the
 * top again once it has checkpointed them, so zeros past the end are never read. Called while no other
 * thread uses the database (the daemon's is its own). */
static void reserve_wal(const char *wal_path)
{
    cleanup_close int fd = open(wal_path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size >= WAL_RESERVE)
        return;
    static const char zeros[64 * 1024];
    for (off_t off = st.st_size; off < WAL_RESERVE;) {
        size_t n = WAL_RESERVE - off < (off_t)sizeof zeros ? (size_t)(WAL_RESERVE - off) : sizeof zeros;
        ssize_t w = pwrite(fd, zeros, n, off);
        if (w <= 0)
            return; /* a shorter reserve serves as well */
        off += w;
    }
    fdatasync(fd);
}

int store_sqlite_open(const char *path, store **ret_store, husk_error *err)
{
    struct store_sqlite *s = calloc(1, sizeof *s);
    if (s == NULL)
        return husk_error_set(err, ENOMEM, "store: out of memory");
    s->base.ops = &sqlite_ops;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->sync_lock, NULL);
    pthread_cond_init(&s->synced, NULL);
    pthread_cond_init(&s->unsynced, NULL);
    if (asprintf(&s->wal_path, "%s-wal", path) < 0) {
        s->wal_path = NULL;
        sqlite_close(&s->base);
        return husk_error_set(err, ENOMEM, "store: out of memory");
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        husk_error_set(err, EIO, "store: opening %s: %s", path,
                       s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sqlite_close(&s->base);
        return -1;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* The page cache is 512 KiB instead of SQLite's 2 MiB: the file's pages are in the kernel's cache too,
     * and the daemon's memory should not grow with the change log. */
    if (exec_sql(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-512;", err) < 0 ||
        check_integrity(s, err) < 0 || exec_sql(s, schema, err) < 0) {
        husk_error_wrap(err, "opening %s", path);
        sqlite_close(&s->base);
        return -1;
    }
    /* Stores made before the log kept the previous version gain the column; it exists already otherwise. */
    husk_error ignored = {0};
    exec_sql(s, "ALTER TABLE changes ADD COLUMN prev TEXT", &ignored);
    reserve_wal(s->wal_path);
    s->rv = meta_read(s, "rv");
    s->compacted_rv = meta_read(s, "compacted_rv");
    /* What a process before this one committed may not have been synced yet. */
    int e = sync_wal(s);
    if (e != 0) {
        husk_error_set_errno(err, e, "store: syncing %s", s->wal_path);
        sqlite_close(&s->base);
        return -1;
    }
    s->durable_rv = s->rv;
    *ret_store = &s->base;
    return 0;
}

void store_close(store *s)
{
    if (s != NULL)
        s->ops->close(s);
}
