/* The client half of the supervisor protocol (see supervisor.h): one request line per connection.
 * Private to src/runtime. */
#ifndef HUSK_RUNTIME_CLIENT_H
#define HUSK_RUNTIME_CLIENT_H

#include "base/error.h"

#include <stddef.h>
#include <sys/un.h>

/* The address of the supervisor's socket in state_dir. A unix socket path holds at most 107 bytes; a
 * longer one is reached through the state dir opened O_PATH (/proc/self/fd/N/...), whose fd is returned in
 * *ret_dir_fd for the caller to close after bind() or connect() (-1 when not needed). */
int runtime_supervisor_address(const char *state_dir, struct sockaddr_un *ret_addr, int *ret_dir_fd,
                               husk_error *err);

/* Sends the request and returns 0 with the text after "ok" in reply, or -1 with err set (from an
 * "error ..." reply, or ECONNREFUSED/ENOENT when no supervisor listens). */
int runtime_supervisor_request(const char *state_dir, const char *request, char *reply, size_t reply_size,
                               husk_error *err);

#endif
