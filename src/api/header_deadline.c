/* See header_deadline.h. Each connection gets a slot (its libmicrohttpd socket context) in a list; the
 * watchdog looks at the list twice a second and shuts down the socket of a connection past the deadline,
 * which makes libmicrohttpd's connection thread see the end of the stream and close it. The slot leaves the
 * list before libmicrohttpd closes the fd, so the watchdog never touches a reused descriptor. */
#include "api/header_deadline.h"
#include "base/clock.h"
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct slot {
    struct slot *prev, *next;
    struct api_header_deadline *owner;
    int fd;
    bool waiting;       /* for the headers of a request */
    int64_t started_ms; /* when the wait began (monotonic) */
};

struct api_header_deadline {
    pthread_mutex_t lock; /* guards the list, every slot's fields, and stop */
    pthread_cond_t wake;
    struct slot head; /* sentinel of a circular list */
    int64_t limit_ms;
    bool stop;
    pthread_t thread;
};

static void sweep(struct api_header_deadline *d)
{
    int64_t now = husk_now_ms();
    for (struct slot *s = d->head.next; s != &d->head; s = s->next) {
        if (s->waiting && now - s->started_ms >= d->limit_ms) {
            s->waiting = false;
            log_warn(
                "api: a client took more than %lld s to send its request headers; closing its connection",
                (long long)(d->limit_ms / 1000));
            shutdown(s->fd, SHUT_RDWR);
        }
    }
}

static void *watchdog(void *arg)
{
    struct api_header_deadline *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 500000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&d->wake, &d->lock, &until);
        sweep(d);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

int api_header_deadline_start(unsigned seconds, struct api_header_deadline **ret, husk_error *err)
{
    struct api_header_deadline *d = calloc(1, sizeof *d);
    if (d == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    d->head.next = d->head.prev = &d->head;
    d->limit_ms = (int64_t)seconds * 1000;
    pthread_mutex_init(&d->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&d->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&d->thread, NULL, watchdog, d) != 0) {
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return husk_error_set(err, EAGAIN, "starting the API's header deadline thread");
    }
    *ret = d;
    return 0;
}

void api_header_deadline_stop(struct api_header_deadline *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->lock);
    d->stop = true;
    pthread_cond_broadcast(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    /* The daemons are stopped: every connection was closed and left the list. */
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

void api_header_deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                                enum MHD_ConnectionNotificationCode code)
{
    struct api_header_deadline *d = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct slot *s = info != NULL ? calloc(1, sizeof *s) : NULL;
        *socket_context = NULL;
        if (s == NULL)
            return;
        s->fd = info->connect_fd;
        s->owner = d;
        pthread_mutex_lock(&d->lock);
        s->waiting = true;
        s->started_ms = husk_now_ms();
        s->next = d->head.next;
        s->prev = &d->head;
        d->head.next->prev = s;
        d->head.next = s;
        pthread_mutex_unlock(&d->lock);
        *socket_context = s;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context != NULL) {
        struct slot *s = *socket_context;
        pthread_mutex_lock(&d->lock);
        s->prev->next = s->next;
        s->next->prev = s->prev;
        pthread_mutex_unlock(&d->lock);
        free(s);
        *socket_context = NULL;
    }
}

void api_header_deadline_headers_done(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct slot *s = info != NULL ? info->socket_context : NULL;
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->owner->lock);
    s->waiting = false;
    pthread_mutex_unlock(&s->owner->lock);
}
