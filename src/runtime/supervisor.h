/* The pod supervisor (the `husk-supervisor` program): one per pod, PID 1 of the pod's PID namespace
 * (unless hostPID), holding its network, IPC and UTS namespaces and its /dev/shm. It parents every
 * container, writes their CRI logs and records their exits, and answers one request per connection on
 * STATE/supervisor.sock:
 *   ping                 -> ok HOSTPID
 *   start NAME           -> ok HOSTPID      (reads STATE/containers/NAME/config.json)
 *   kill NAME SIGNAL     -> ok
 *   remove NAME          -> ok              (forgets an exited container)
 *   reopen NAME          -> ok              (reopens its log file, after a rotation)
 *   shutdown             -> ok              (kills every container, then exits)
 * and "error MESSAGE" on failure. */
#ifndef HUSK_RUNTIME_SUPERVISOR_H
#define HUSK_RUNTIME_SUPERVISOR_H

#define RUNTIME_SUPERVISOR_SOCKET "supervisor.sock"
#define RUNTIME_REQUEST_MAX       512

/* main() of husk-supervisor: `husk-supervisor STATE_DIR READY_FD`. It writes "ok HOSTPID\n" or
 * "error MESSAGE\n" to READY_FD once it listens, or fails. */
int runtime_supervisor_main(int argc, char **argv);

#endif
