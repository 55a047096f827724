/* The read-header deadline: a request whose headers are not complete API_HEADER_TIMEOUT_SECONDS after
 * its connection opened is cut off. libmicrohttpd's own timeout
 * only catches idle connections, so a client trickling one header byte a second (slowloris) would hold a
 * thread and one of the 256 connection slots for as long as it liked; the kube-apiserver has the same
 * deadline (ReadHeaderTimeout, 32 s). It covers the first request of a connection: later ones on a kept-alive
 * connection have the idle timeout, and a slow client gains nothing over opening a new connection. Internal
 * to src/api. */
#ifndef HUSK_API_HEADER_DEADLINE_H
#define HUSK_API_HEADER_DEADLINE_H

#include "base/error.h"

#include <microhttpd.h>

struct api_header_deadline;

/* Starts the watchdog thread; seconds is the deadline. */
int api_header_deadline_start(unsigned seconds, struct api_header_deadline **ret, husk_error *err);
/* Stops and frees it; after the libmicrohttpd daemons are stopped. Accepts NULL. */
void api_header_deadline_stop(struct api_header_deadline *d);

/* MHD_OPTION_NOTIFY_CONNECTION callback, cls the deadline: tracks each connection from its start. */
void api_header_deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                                enum MHD_ConnectionNotificationCode code);
/* The connection's first request has its headers (the first call of the request handler). */
void api_header_deadline_headers_done(struct MHD_Connection *conn);

#endif
