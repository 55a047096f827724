/* The kubelet link's writer (src/api/kubelet_writer.c): the node's statuses are written before the events
 * queued ahead of them, a status superseded while queued is not written, and stopping writes all that is
 * queued, with the writer's thread and without it. A status write that starts from the pod as the last one
 * wrote it (src/api/kubelet.c) keeps what others changed in the pod meanwhile, and finds a pod made again
 * under the same name. */
#include "api/kubelet_internal.h"
#include "api/store.h"
#include "harness.h"

#include <unistd.h>

struct fixture {
    char dir[64];
    store *store;
    struct api_kubelet k;
    json_t *pod;
};

static void fixture_init(struct fixture *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/husk-writer-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/store.db", f->dir);
    husk_error err = {0};
    CHECK_INT_EQ(store_sqlite_open(path, &f->store, &err), 0);
    f->k.store = f->store;
    f->k.node_name = "node-1";
    pthread_mutex_init(&f->k.lock, NULL);
    f->k.events = json_object();
    f->k.statuses = json_object();
    f->pod = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "apiVersion", "v1", "kind", "Pod", "metadata", "name",
                       "web", "namespace", "default", "uid", "uid-1");
    struct store_key key = {"pods", "default", "web"};
    CHECK_INT_EQ(store_create(f->store, &key, f->pod, &err), 0);
}

static void fixture_free(struct fixture *f)
{
    api_kubelet_forget_written(&f->k);
    store_close(f->store);
    json_decref(f->k.events);
    json_decref(f->k.statuses);
    json_decref(f->pod);
    pthread_mutex_destroy(&f->k.lock);
    static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
}

static json_t *phase(const char *value)
{
    return json_pack("{s:s}", "phase", value);
}

/* The pod as stored now, and the events, oldest first. */
static json_t *stored_pod(struct fixture *f)
{
    json_t *obj = NULL;
    husk_error err = {0};
    struct store_key key = {"pods", "default", "web"};
    CHECK_INT_EQ(store_get(f->store, &key, &obj, &err), 0);
    return obj;
}

static int by_rv(const void *a, const void *b)
{
    int64_t x = store_object_rv(*(json_t *const *)a), y = store_object_rv(*(json_t *const *)b);
    return x < y ? -1 : x > y;
}

static json_t *stored_events(struct fixture *f, json_t **sorted, size_t max, size_t *ret_count)
{
    json_t *items = NULL;
    int64_t rv = 0;
    husk_error err = {0};
    CHECK_INT_EQ(store_list(f->store, "events", "default", &items, &rv, &err), 0);
    size_t n = json_array_size(items) < max ? json_array_size(items) : max;
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(items, i);
    qsort(sorted, n, sizeof *sorted, by_rv);
    *ret_count = json_array_size(items);
    return items;
}

static const char *status_phase(const json_t *pod)
{
    return json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
}

TEST(kubelet_writer_puts_statuses_before_events_and_skips_superseded_ones)
{
    struct fixture f = {0};
    fixture_init(&f);
    int64_t created = store_object_rv(f.pod);
    /* Without the writer's thread (as when it cannot start): stopping writes the queues. */
    pthread_mutex_init(&f.k.write_lock, NULL);
    pthread_cond_init(&f.k.write_cond, NULL);
    f.k.write_ready = true;
    json_t *pending = phase("Pending"), *running = phase("Running");
    api_kubelet_queue_event(&f.k, f.pod, "Normal", "Created", "spec.containers{c}", "Created container c");
    api_kubelet_queue_status(&f.k, f.pod, pending);
    api_kubelet_queue_event(&f.k, f.pod, "Normal", "Started", "spec.containers{c}", "Started container c");
    api_kubelet_queue_status(&f.k, f.pod, running);
    api_kubelet_writer_stop(&f.k);

    /* One status write, the newer one; then both events, in the order they came. */
    json_t *pod = stored_pod(&f);
    CHECK_STR_EQ(status_phase(pod), "Running");
    CHECK_INT_EQ(store_object_rv(pod), created + 1);
    json_t *sorted[4];
    size_t n = 0;
    json_t *events = stored_events(&f, sorted, 4, &n);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(json_string_value(json_object_get(sorted[0], "reason")), "Created");
    CHECK_STR_EQ(json_string_value(json_object_get(sorted[1], "reason")), "Started");
    CHECK(store_object_rv(pod) < store_object_rv(sorted[0]));
    json_decref(pod);
    json_decref(events);
    json_decref(pending);
    json_decref(running);
    fixture_free(&f);
}

TEST(kubelet_writer_thread_writes_what_is_queued_before_it_stops)
{
    struct fixture f = {0};
    fixture_init(&f);
    int64_t created = store_object_rv(f.pod);
    husk_error err = {0};
    CHECK_INT_EQ(api_kubelet_writer_start(&f.k, &err), 0);
    json_t *st = phase("Succeeded");
    for (int i = 0; i < 20; i++)
        api_kubelet_queue_event(&f.k, f.pod, "Normal", "Pulled", NULL, i % 2 ? "odd" : "even");
    api_kubelet_queue_status(&f.k, f.pod, st);
    api_kubelet_writer_stop(&f.k);
    json_t *pod = stored_pod(&f);
    CHECK_STR_EQ(status_phase(pod), "Succeeded");
    CHECK(store_object_rv(pod) > created);
    /* Two events, each repeated: counted up (the kubelet's recorder), not written twenty times. */
    json_t *sorted[4];
    size_t n = 0;
    json_t *events = stored_events(&f, sorted, 4, &n);
    CHECK_INT_EQ(n, 2);
    for (size_t i = 0; i < 2; i++)
        CHECK_INT_EQ(json_integer_value(json_object_get(sorted[i], "count")), 10);
    json_decref(events);
    json_decref(pod);
    json_decref(st);
    fixture_free(&f);
}

TEST(kubelet_status_write_keeps_a_change_made_since_the_last_one)
{
    struct fixture f = {0};
    fixture_init(&f);
    json_t *pending = phase("Pending"), *running = phase("Running");
    api_kubelet_write_status(&f.k, f.pod, pending);
    /* A user labels the pod between two statuses. */
    json_t *pod = stored_pod(&f);
    json_object_set_new(json_object_get(pod, "metadata"), "labels", json_pack("{s:s}", "tier", "web"));
    struct store_key key = {"pods", "default", "web"};
    husk_error err = {0};
    CHECK_INT_EQ(store_update(f.store, &key, pod, store_object_rv(pod), &err), 0);
    int64_t labelled = store_object_rv(pod);
    json_decref(pod);
    api_kubelet_write_status(&f.k, f.pod, running);
    pod = stored_pod(&f);
    CHECK_STR_EQ(status_phase(pod), "Running");
    CHECK_STR_EQ(json_string_value(
                     json_object_get(json_object_get(json_object_get(pod, "metadata"), "labels"), "tier")),
                 "web");
    CHECK_INT_EQ(store_object_rv(pod), labelled + 1);
    json_decref(pod);

    /* Deleted and made again under the same name: the new pod's status goes into the new object, and the
     * old pod's no longer goes anywhere. */
    CHECK_INT_EQ(store_delete(f.store, &key, 0, NULL, &err), 0);
    json_t *again = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "apiVersion", "v1", "kind", "Pod", "metadata",
                              "name", "web", "namespace", "default", "uid", "uid-2");
    CHECK_INT_EQ(store_create(f.store, &key, again, &err), 0);
    api_kubelet_write_status(&f.k, f.pod, pending);
    pod = stored_pod(&f);
    CHECK(status_phase(pod) == NULL);
    json_decref(pod);
    api_kubelet_write_status(&f.k, again, pending);
    pod = stored_pod(&f);
    CHECK_STR_EQ(status_phase(pod), "Pending");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(pod, "metadata"), "uid")), "uid-2");
    json_decref(pod);
    json_decref(again);
    json_decref(pending);
    json_decref(running);
    fixture_free(&f);
}
