/* The client half of the supervisor protocol (see supervisor.h): one request line per connection.
 * Private to src/runtime. */
#ifndef HUSK_RUNTIME_CLIENT_H
#define HUSK_RUNTIME_CLIENT_H

#include "base/error.h"

#include <stddef.h>

/* Sends the request and returns 0 with the text after "ok" in reply, or -1 with err set (from an
 * "error ..." reply, or ECONNREFUSED/ENOENT when no supervisor listens). */
int runtime_supervisor_request(const char *state_dir, const char *request, char *reply, size_t reply_size,
                               husk_error *err);

#endif
