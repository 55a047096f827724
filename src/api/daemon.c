/* The daemon's start-up, event loop and shutdown; see daemon.h. */
#include "api/daemon.h"
#include "api/kubelet.h"
#include "api/node.h"
#include "api/pki.h"
#include "api/server.h"
#include "api/store.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

/* Takes DATA_DIR/daemon.lock for the daemon's lifetime and writes our pid in it. */
static int take_lock(const char *data_dir, husk_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/daemon.lock", data_dir);
    cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening %s", path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return husk_error_set(err, EBUSY, "another husk daemon is using %s (it holds %s)", data_dir,
                                  path);
        return husk_error_set_errno(err, errno, "locking %s", path);
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, pid, (size_t)n) != n)
        return husk_error_set_errno(err, errno, "writing %s", path);
    return steal_fd(&fd);
}

/* Signals become events on a signalfd; they are blocked first so that every thread inherits the mask. */
static int signal_fd(husk_error *err)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return husk_error_set_errno(err, errno, "blocking signals");
    signal(SIGPIPE, SIG_IGN);
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return fd < 0 ? husk_error_set_errno(err, errno, "signalfd") : fd;
}

static int heartbeat_fd(husk_error *err)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "timerfd");
    struct itimerspec its = {.it_interval = {API_NODE_HEARTBEAT_SECONDS, 0},
                             .it_value = {API_NODE_HEARTBEAT_SECONDS, 0}};
    timerfd_settime(fd, 0, &its, NULL);
    return fd;
}

/* Waits for a stop signal, beating the node's heart meanwhile. */
static void event_loop(int sfd, int tfd, store *s, api_server *server, const char *node_name)
{
    struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = tfd, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            log_error("daemon: poll: %s", strerror(errno));
            return;
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                log_info("daemon: received %s, shutting down", strsignal((int)si.ssi_signo));
                return;
            }
        }
        if (fds[1].revents & POLLIN) {
            uint64_t ticks;
            husk_error err = {0};
            if (read(tfd, &ticks, sizeof ticks) == (ssize_t)sizeof ticks &&
                api_node_heartbeat(s, node_name, &err) < 0)
                log_warn("daemon: node heartbeat: %s", err.message);
            api_server_changed(server);
        }
    }
}

static int prepare_store(const struct api_daemon_config *c, store **ret, bool *ret_recreated, husk_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/store.db", c->data_dir);
    if (store_open_or_recover(path, ret, ret_recreated, err) < 0)
        return -1;
    if (api_bootstrap_namespaces(*ret, err) < 0 || api_node_register(*ret, c->node_name, err) < 0) {
        store_close(*ret);
        *ret = NULL;
        return -1;
    }
    return 0;
}

static int serve(const struct api_daemon_config *c, store *s, bool store_recreated, int sfd, husk_error *err)
{
    struct api_pki pki = {0};
    char sock[4200], kubeconfig[4200];
    snprintf(sock, sizeof sock, "%s/husk.sock", c->data_dir);
    snprintf(kubeconfig, sizeof kubeconfig, "%s/kubeconfig.yaml", c->data_dir);
    const char *client_host = strcmp(c->listen_host, "0.0.0.0") == 0 || strcmp(c->listen_host, "::") == 0
                                  ? "127.0.0.1"
                                  : c->listen_host;
    if (api_pki_ensure(c->data_dir, c->node_name, c->listen_host, &pki, err) < 0 ||
        api_kubeconfig_write(kubeconfig, client_host, c->listen_port, &pki, err) < 0) {
        api_pki_free(&pki);
        return -1;
    }
    struct api_server_config sc = {.socket_path = sock,
                                   .listen_host = c->listen_host,
                                   .listen_port = c->listen_port,
                                   .tls_cert_pem = pki.server_cert_pem,
                                   .tls_key_pem = pki.server_key_pem,
                                   .token = pki.token,
                                   .node_name = c->node_name,
                                   .data_dir = c->data_dir};
    api_server *server = NULL;
    int r = api_server_start(&sc, s, &server, err);
    api_pki_free(&pki);
    if (r < 0)
        return -1;
    log_info("daemon: serving on %s and https://%s:%u (node %s, data %s, manifests %s)", sock, c->listen_host,
             c->listen_port, c->node_name, c->data_dir, c->manifest_dir);
    struct api_kubelet_config kc = {.limits = c->limits,
                                    .data_dir = c->data_dir,
                                    .manifest_dir = c->manifest_dir,
                                    .node_name = c->node_name,
                                    .cgroup_parent = c->cgroup_parent,
                                    .cni = c->pod_network ? &c->cni : NULL,
                                    .store_recreated = store_recreated,
                                    .sandbox_pool = c->sandbox_pool};
    struct api_kubelet *kubelet = NULL;
    if (c->run_node && api_kubelet_start(s, server, &kc, &kubelet, err) < 0) {
        api_server_stop(server);
        return -1;
    }
    cleanup_close int tfd = heartbeat_fd(err);
    if (tfd >= 0)
        event_loop(sfd, tfd, s, server, c->node_name);
    /* The pods keep running: the next daemon resumes them. */
    api_kubelet_stop(kubelet);
    api_server_stop(server);
    unlink(sock);
    return tfd < 0 ? -1 : 0;
}

#define DAEMON_OOM_SCORE_ADJ (-999)

int api_daemon_run(const struct api_daemon_config *config, husk_error *err)
{
    /* glibc gives threads that allocate at once arenas of their own, up to 8 per core, each keeping what
     * was freed in it; with a thread per pod worker and per connection that is most of the daemon's heap.
     * Its threads mostly wait, so two arenas cost little contention. */
    mallopt(M_ARENA_MAX, 2);
    /* The kubelet's score: the OOM killer takes any pod's process (and a pod's supervisor, -998) before
     * the node's agent. Its children (CNI plugins, pulls, supervisors) start from it. */
    runtime_oom_score_adj_set(DAEMON_OOM_SCORE_ADJ);
    if (husk_mkdir_p(config->data_dir, 0700, err) < 0)
        return -1;
    cleanup_close int lock = take_lock(config->data_dir, err);
    if (lock < 0)
        return -1;
    cleanup_close int sfd = signal_fd(err);
    if (sfd < 0)
        return -1;
    store *s = NULL;
    bool recreated = false;
    if (prepare_store(config, &s, &recreated, err) < 0)
        return -1;
    int r = serve(config, s, recreated, sfd, err);
    store_close(s);
    if (r == 0)
        log_info("daemon: stopped");
    return r;
}
