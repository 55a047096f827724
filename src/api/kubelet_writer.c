/* The node's writes to the store — pod statuses, events, the final delete — queued by the pod workers and
 * written by one thread, so a worker never waits for the store (the kubelet's status manager and event
 * recorder are asynchronous as well). Two queues, each written in the order it came: statuses with the final
 * deletes, then events, which wait while a status is queued (a pod start queues ~3 events per container, and
 * a status behind them waited up to 3.5 ms); as in the kubelet, nothing orders a pod's events against its
 * status. A status still queued when a newer one of the same pod comes is skipped: only the latest matters.
 */
#include "api/kubelet_internal.h"

#include "api/resource.h"
#include "objects/pod.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum write_kind { WRITE_STATUS, WRITE_EVENT, WRITE_GONE };
enum { QUEUE_STATUS, QUEUE_EVENT }; /* api_kubelet.writes, the first written first */

struct api_kubelet_write {
    enum write_kind kind;
    json_t *pod; /* {"metadata": a copy of the pod's}: all the writes need of it */
    json_t *status;
    char *type, *reason, *field_path, *message;
    char when[32];
    bool superseded;
    struct api_kubelet_write *next;
};

static void write_free(struct api_kubelet_write *w)
{
    json_decref(w->pod);
    json_decref(w->status);
    free(w->type);
    free(w->reason);
    free(w->field_path);
    free(w->message);
    free(w);
}

static void perform(struct api_kubelet *k, struct api_kubelet_write *w)
{
    switch (w->kind) {
    case WRITE_STATUS:
        api_kubelet_write_status(k, w->pod, w->status);
        break;
    case WRITE_EVENT:
        api_kubelet_write_event(k, w->pod, w->type, w->reason, w->field_path, w->message, w->when);
        break;
    case WRITE_GONE:
        api_kubelet_write_gone(k, w->pod);
        break;
    }
}

/* The next write, from the first queue that has one; NULL when both are empty. Under write_lock. */
static struct api_kubelet_write *next_write(struct api_kubelet *k)
{
    for (size_t i = 0; i < sizeof k->writes / sizeof k->writes[0]; i++) {
        struct api_kubelet_queue *q = &k->writes[i];
        struct api_kubelet_write *w = q->head;
        if (w == NULL)
            continue;
        q->head = w->next;
        if (q->head == NULL)
            q->tail = NULL;
        return w;
    }
    return NULL;
}

static void *writer_main(void *arg)
{
    struct api_kubelet *k = arg;
    pthread_mutex_lock(&k->write_lock);
    for (;;) {
        struct api_kubelet_write *w = next_write(k);
        if (w == NULL) {
            if (k->write_stop)
                break;
            pthread_cond_wait(&k->write_cond, &k->write_lock);
            continue;
        }
        pthread_mutex_unlock(&k->write_lock);
        if (!w->superseded)
            perform(k, w);
        write_free(w);
        pthread_mutex_lock(&k->write_lock);
    }
    pthread_mutex_unlock(&k->write_lock);
    return NULL;
}

int api_kubelet_writer_start(struct api_kubelet *k, husk_error *err)
{
    pthread_mutex_init(&k->write_lock, NULL);
    pthread_cond_init(&k->write_cond, NULL);
    k->write_ready = true;
    if (pthread_create(&k->writer, NULL, writer_main, k) != 0) {
        k->writer = 0;
        return husk_error_set(err, EAGAIN, "starting the kubelet's store writer thread");
    }
    return 0;
}

void api_kubelet_writer_stop(struct api_kubelet *k)
{
    if (!k->write_ready)
        return;
    pthread_mutex_lock(&k->write_lock);
    k->write_stop = true;
    pthread_cond_signal(&k->write_cond);
    pthread_mutex_unlock(&k->write_lock);
    if (k->writer != 0)
        pthread_join(k->writer, NULL);
    /* Without a thread (it could not be started) what was queued is written here. */
    for (struct api_kubelet_write *w; (w = next_write(k)) != NULL;) {
        if (!w->superseded)
            perform(k, w);
        write_free(w);
    }
    pthread_cond_destroy(&k->write_cond);
    pthread_mutex_destroy(&k->write_lock);
    k->write_ready = false;
}

static struct api_kubelet_write *write_new(enum write_kind kind, const json_t *pod)
{
    struct api_kubelet_write *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->kind = kind;
    w->pod = json_pack("{s:o}", "metadata", json_deep_copy(objects_get_object(pod, "metadata")));
    if (w->pod == NULL) {
        free(w);
        return NULL;
    }
    return w;
}

static void enqueue(struct api_kubelet *k, struct api_kubelet_write *w)
{
    struct api_kubelet_queue *q = &k->writes[w->kind == WRITE_EVENT ? QUEUE_EVENT : QUEUE_STATUS];
    pthread_mutex_lock(&k->write_lock);
    if (w->kind == WRITE_STATUS) {
        const char *uid = api_kubelet_uid(w->pod);
        for (struct api_kubelet_write *o = q->head; o != NULL; o = o->next)
            if (o->kind == WRITE_STATUS && strcmp(api_kubelet_uid(o->pod), uid) == 0)
                o->superseded = true;
    }
    if (q->tail != NULL)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    pthread_cond_signal(&k->write_cond);
    pthread_mutex_unlock(&k->write_lock);
}

void api_kubelet_queue_status(struct api_kubelet *k, const json_t *pod, const json_t *status)
{
    if (api_kubelet_uid(pod) == NULL)
        return;
    struct api_kubelet_write *w = write_new(WRITE_STATUS, pod);
    if (w == NULL || (w->status = json_deep_copy(status)) == NULL) {
        if (w != NULL)
            write_free(w);
        api_kubelet_write_status(k, pod, status); /* out of memory: at least not lost */
        return;
    }
    enqueue(k, w);
}

void api_kubelet_queue_event(struct api_kubelet *k, const json_t *pod, const char *type, const char *reason,
                             const char *field_path, const char *message)
{
    char when[32];
    api_timestamp(when, sizeof when, 0);
    struct api_kubelet_write *w = write_new(WRITE_EVENT, pod);
    if (w == NULL || (w->type = strdup(type)) == NULL || (w->reason = strdup(reason)) == NULL ||
        (w->message = strdup(message)) == NULL ||
        (field_path != NULL && (w->field_path = strdup(field_path)) == NULL)) {
        if (w != NULL)
            write_free(w);
        api_kubelet_write_event(k, pod, type, reason, field_path, message, when);
        return;
    }
    memcpy(w->when, when, sizeof when);
    enqueue(k, w);
}

void api_kubelet_queue_gone(struct api_kubelet *k, const json_t *pod)
{
    struct api_kubelet_write *w = write_new(WRITE_GONE, pod);
    if (w == NULL) {
        api_kubelet_write_gone(k, pod);
        return;
    }
    enqueue(k, w);
}
