/* The object store: every API object as JSON, keyed by (resource, namespace, name), with one global,
 * monotonically increasing resourceVersion and a change log for resumable watches. It sits behind a
 * table of function pointers so that a cluster can use etcd instead of the embedded SQLite backend.
 *
 * Failures set err->code to say which API error they are:
 *   EEXIST  the key exists (create)                    -> 409 AlreadyExists
 *   ENOENT  no such key (get, update, delete)          -> 404 NotFound
 *   ESTALE  the given resourceVersion is not current   -> 409 Conflict
 *   ERANGE  the change log no longer reaches that far  -> 410 Gone
 *   other   the backend failed                         -> 500 InternalError */
#ifndef HUSK_API_STORE_H
#define HUSK_API_STORE_H

#include "base/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Resources are named "pods", "deployments.apps": plural plus group, so kinds never collide. Cluster
 * scoped objects have the empty namespace. */
struct store_key {
    const char *resource;
    const char *ns;
    const char *name;
};

/* How many changes the log keeps; watches older than that get 410 Gone, as from etcd compaction. */
#define STORE_CHANGE_LOG_MAX 10000

typedef struct store store;

/* What the change log's events carry besides "type" and "object". Each object is JSON text in the store:
 * parsing is most of a watch's work, so only what the reader asks for is parsed. */
enum store_changes_flags {
    STORE_CHANGES_PREV = 1, /* "prev": the version before a MODIFIED or DELETED (for selectors) */
    STORE_CHANGES_TEXT = 2, /* "text" (the object's JSON text, a string) and "rv" instead of "object" */
};

struct store_ops {
    /* Stores obj (metadata.resourceVersion is set to the write's version, in obj too). */
    int (*create)(store *s, const struct store_key *key, json_t *obj, husk_error *err);
    int (*get)(store *s, const struct store_key *key, json_t **ret_obj, husk_error *err);
    /* ns NULL lists every namespace. ret_items is a new array; ret_rv the store's version at the read. */
    int (*list)(store *s, const char *resource, const char *ns, json_t **ret_items, int64_t *ret_rv,
                husk_error *err);
    /* expected_rv 0 updates unconditionally; otherwise it must be the object's current version. */
    int (*update)(store *s, const struct store_key *key, json_t *obj, int64_t expected_rv, husk_error *err);
    /* create or update, returning once the write is committed rather than on disk: for what the node
     * agent reports (pod statuses, events), which the kubelet too sends without waiting and reports again
     * after a crash. Reads see it at once; watches once the store's syncer has synced it (about a
     * millisecond later, one sync for all that came in meanwhile), after which on_sync runs. */
    int (*write_unsynced)(store *s, bool create, const struct store_key *key, json_t *obj,
                          int64_t expected_rv, husk_error *err);
    void (*set_on_sync)(store *s, void (*fn)(void *data), void *data);
    /* ret_old (may be NULL) gets the deleted object, carrying the deletion's resourceVersion. */
    int (*remove)(store *s, const struct store_key *key, int64_t expected_rv, json_t **ret_old,
                  husk_error *err);
    /* Changes with resourceVersion > since_rv for the resource (and ns, unless NULL), oldest first, at most
     * limit: an array of {"type": "ADDED|MODIFIED|DELETED", "object": {...}}, with flags (below) for more
     * or less. */
    int (*changes)(store *s, const char *resource, const char *ns, int64_t since_rv, int limit,
                   unsigned flags, json_t **ret_events, husk_error *err);
    int64_t (*current_rv)(store *s);
    void (*close)(store *s);
};

struct store {
    const struct store_ops *ops;
};

/* Opens (creating if needed) the SQLite store at path. A damaged file (PRAGMA quick_check, or not a
 * database at all) fails with err->code EBADMSG. */
int store_sqlite_open(const char *path, store **ret_store, husk_error *err);

/* How many times the SQLite store has synced its WAL: fewer than its writes when writers overlap. */
int64_t store_sqlite_syncs(store *s);

/* store_sqlite_open, but a damaged file is set aside (PATH.corrupt-TIMESTAMP, logged as an error) and a
 * fresh store made with what could be read back from it; *ret_recreated is then true (store_recover.c). */
int store_open_or_recover(const char *path, store **ret_store, bool *ret_recreated, husk_error *err);

void store_close(store *s);

static inline int store_create(store *s, const struct store_key *key, json_t *obj, husk_error *err)
{
    return s->ops->create(s, key, obj, err);
}
static inline int store_get(store *s, const struct store_key *key, json_t **ret_obj, husk_error *err)
{
    return s->ops->get(s, key, ret_obj, err);
}
static inline int store_list(store *s, const char *resource, const char *ns, json_t **ret_items,
                             int64_t *ret_rv, husk_error *err)
{
    return s->ops->list(s, resource, ns, ret_items, ret_rv, err);
}
static inline int store_update(store *s, const struct store_key *key, json_t *obj, int64_t expected_rv,
                               husk_error *err)
{
    return s->ops->update(s, key, obj, expected_rv, err);
}
static inline int store_create_unsynced(store *s, const struct store_key *key, json_t *obj, husk_error *err)
{
    return s->ops->write_unsynced(s, true, key, obj, 0, err);
}
static inline int store_update_unsynced(store *s, const struct store_key *key, json_t *obj,
                                        int64_t expected_rv, husk_error *err)
{
    return s->ops->write_unsynced(s, false, key, obj, expected_rv, err);
}
/* fn runs on the store's own thread each time unsynced writes have become visible to watches. */
static inline void store_set_on_sync(store *s, void (*fn)(void *data), void *data)
{
    s->ops->set_on_sync(s, fn, data);
}
static inline int store_delete(store *s, const struct store_key *key, int64_t expected_rv, json_t **ret_old,
                               husk_error *err)
{
    return s->ops->remove(s, key, expected_rv, ret_old, err);
}
static inline int store_changes(store *s, const char *resource, const char *ns, int64_t since_rv, int limit,
                                unsigned flags, json_t **ret_events, husk_error *err)
{
    return s->ops->changes(s, resource, ns, since_rv, limit, flags, ret_events, err);
}
static inline int64_t store_current_rv(store *s)
{
    return s->ops->current_rv(s);
}

/* metadata.resourceVersion of obj as a number; 0 when absent, -1 when not a decimal number. */
int64_t store_object_rv(const json_t *obj);

#endif
