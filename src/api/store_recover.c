/* Opening the store when its file is damaged (a torn disk write, a zeroed or truncated file, garbage): the
 * damaged file is set aside as store.db.corrupt-TIMESTAMP together with its WAL, a fresh store takes its
 * place, and every object that can still be read from the damaged copy is copied in, keeping its uid, so
 * that the daemon starts and the pods on the node keep their identity. See store.h. */
#include "api/store.h"
#include "base/fs.h"
#include "base/log.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Copies the readable rows of the objects table of the damaged database at path into s; stops at the
 * first unreadable page. Returns how many objects were copied. */
static int salvage_objects(const char *path, store *s)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int copied = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT resource, namespace, name, data FROM objects", -1, &st, NULL) !=
            SQLITE_OK) {
        log_warn("store: nothing can be read from %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return 0;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *resource = (const char *)sqlite3_column_text(st, 0);
        const char *ns = (const char *)sqlite3_column_text(st, 1);
        const char *name = (const char *)sqlite3_column_text(st, 2);
        const char *data = (const char *)sqlite3_column_text(st, 3);
        json_t *obj = data ? json_loads(data, 0, NULL) : NULL;
        husk_error err = {0};
        struct store_key key = {resource, ns, name};
        if (resource == NULL || ns == NULL || name == NULL || !json_is_object(obj))
            log_warn("store: skipping an unreadable object in %s", path);
        else if (store_create(s, &key, obj, &err) < 0)
            log_warn("store: restoring %s %s/%s: %s", resource, ns, name, err.message);
        else
            copied++;
        json_decref(obj);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return copied;
}

/* Moves store.db and its WAL aside; the shared-memory index is only a cache of the WAL and goes. */
static int set_aside(const char *path, char *ret_path, size_t size, husk_error *err)
{
    if (husk_set_aside(path, "", ret_path, size, err) < 0)
        return -1;
    char wal[4200], shm[4200];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    if (access(wal, F_OK) == 0) {
        /* The same stamp as the database, so that SQLite finds the WAL beside the copy. */
        char aside_wal[4300];
        snprintf(aside_wal, sizeof aside_wal, "%s-wal", ret_path);
        if (rename(wal, aside_wal) < 0)
            log_warn("store: setting %s aside: %s", wal, strerror(errno));
    }
    unlink(shm);
    return 0;
}

int store_open_or_recover(const char *path, store **ret_store, bool *ret_recreated, husk_error *err)
{
    *ret_recreated = false;
    if (store_sqlite_open(path, ret_store, err) == 0)
        return 0;
    if (err->code != EBADMSG)
        return -1;
    char aside[4200];
    log_error("store: %s is damaged (%s); setting it aside and starting a fresh store", path, err->message);
    husk_error_clear(err);
    if (set_aside(path, aside, sizeof aside, err) < 0 || store_sqlite_open(path, ret_store, err) < 0)
        return -1;
    int copied = salvage_objects(aside, *ret_store);
    log_error("store: the damaged store is kept as %s; %d objects could be read back from it; objects it "
              "lost are gone from the API (pods still running on this node are restored from their records)",
              aside, copied);
    *ret_recreated = true;
    return 0;
}
