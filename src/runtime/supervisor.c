/* See supervisor.h. One epoll loop: the listening socket, a signalfd (SIGCHLD for exits, SIGTERM for
 * shutdown) and the containers' stdout/stderr pipes (or pty masters). Requests are small and answered
 * at once; starting a container blocks the loop only until the child has exec'd. */
#include "runtime/supervisor.h"

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/crashpoint.h"
#include "base/log.h"
#include "runtime/crilog.h"
#include "runtime/spawn.h"
#include "runtime/state.h"
#include "runtime/supervisor_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct sup_container {
    char name[128];
    pid_t pid, host_pid;
    int pidfd, out_fd, err_fd, log_fd, mnt_ns_fd;
    char *log_path;
    int64_t log_size, log_max_bytes; /* log_max_bytes 0: no rotation */
    int log_max_files;
    long oom_kills_at_start;
    bool running;
    bool prepared;      /* its process waits to exec (handle_prepare) */
    int sync_fd, go_fd; /* then: its report, and its go (runtime_spawn_release) */
    struct runtime_container_status status;
    struct sup_container *next;
};

/* The mount namespaces of containers that exited, held a while (see record_exit). */
#define HELD_NAMESPACES_MAX 16
#define HELD_NAMESPACES_MS  100

struct supervisor {
    const char *state_dir;
    int held_ns[HELD_NAMESPACES_MAX];
    int held_count;
    int64_t held_since_ms; /* when the oldest of them was taken */
    char *adopted_dir;     /* state_dir once a pod took this spare sandbox */
    int dir_fd;            /* O_PATH on the state dir, which a spare's adoption renames */
    struct runtime_sandbox_info info;
    const struct runtime_cgroup_manager *cgroups;
    int epoll_fd, signal_fd, listen_fd;
    pid_t host_pid;
    struct sup_container *containers;
    bool done;
};

static struct sup_container *find_container(struct supervisor *s, const char *name)
{
    for (struct sup_container *c = s->containers; c != NULL; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void container_path(const struct supervisor *s, const char *name, const char *file, char *out,
                           size_t size)
{
    snprintf(out, size, "%s/containers/%s%s%s", s->state_dir, name, file[0] ? "/" : "", file);
}

static void save_state(struct supervisor *s, struct sup_container *c)
{
    char path[4096];
    husk_error err = {0};
    container_path(s, c->name, "state.json", path, sizeof path);
    if (runtime_state_save(path, &c->status, &err) < 0)
        log_error("container %s: %s", c->name, err.message);
}

static int open_log_file(struct sup_container *c)
{
    int fd = open(c->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    struct stat st;
    c->log_size = fd >= 0 && fstat(fd, &st) == 0 ? st.st_size : 0;
    return fd;
}

/* The log reached its size limit: rotate it and write on in a new file. A failure (a full disk) keeps
 * the old file, so the container never blocks on its log. */
static void rotate_log(struct sup_container *c)
{
    if (runtime_log_rotate(c->log_path, c->log_max_files) < 0) {
        log_warn("container %s: rotating its log %s: %s", c->name, c->log_path, strerror(errno));
        c->log_size = 0; /* try again after another max_bytes */
        return;
    }
    int fd = open_log_file(c);
    if (fd < 0) {
        c->log_size = 0; /* write on where it was; try again after another max_bytes */
        return;
    }
    close(c->log_fd);
    c->log_fd = fd;
}

static void write_log(struct sup_container *c, const char *stream, const char *data, size_t len)
{
    if (c->log_max_bytes <= 0) {
        runtime_crilog_write(c->log_fd, stream, data, len);
        return;
    }
    while (len > 0) {
        /* At least one record per round, so that a file found over the limit cannot stall the loop. */
        size_t budget = c->log_size < c->log_max_bytes ? (size_t)(c->log_max_bytes - c->log_size) : 1;
        size_t written = 0;
        size_t used = runtime_crilog_write_some(c->log_fd, stream, data, len, budget, &written);
        c->log_size += (int64_t)written;
        data += used;
        len -= used;
        if (c->log_size >= c->log_max_bytes)
            rotate_log(c);
    }
}

/* Reads what one stream has; returns false at EOF (the fd is then closed). */
static bool pump_stream(struct supervisor *s, struct sup_container *c, int *fd, const char *stream)
{
    static char buf[8192];
    for (;;) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
            write_log(c, stream, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        /* EOF, or EIO from a pty master whose last slave closed. */
        epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
        close(*fd);
        *fd = -1;
        return false;
    }
}

/* A prepared process that will not be started is killed; reap_children reaps it. */
static void cancel_prepared(struct sup_container *c)
{
    if (!c->prepared)
        return;
    struct runtime_spawned held = {.pidfd = c->pidfd, .sync_fd = c->sync_fd, .go_fd = c->go_fd};
    runtime_spawn_cancel(&held);
    c->sync_fd = c->go_fd = -1;
    c->prepared = false;
}

/* A prepared container's held process, given over to its start: the entry keeps none of its fds. */
static struct runtime_spawned take_prepared(struct sup_container *c)
{
    struct runtime_spawned held = {c->pid,    c->host_pid,  c->pidfd,   c->out_fd,
                                   c->err_fd, c->mnt_ns_fd, c->sync_fd, c->go_fd};
    c->pidfd = c->out_fd = c->err_fd = c->mnt_ns_fd = c->sync_fd = c->go_fd = -1;
    c->prepared = false;
    return held;
}

static void close_container_fds(struct sup_container *c)
{
    cancel_prepared(c);
    int *fds[] = {&c->pidfd, &c->out_fd, &c->err_fd, &c->log_fd, &c->mnt_ns_fd};
    for (size_t i = 0; i < 5; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

static void free_container(struct sup_container *c)
{
    close_container_fds(c);
    free(c->log_path);
    free(c);
}

/* A container's mount namespace (its overlay root, /proc, /sys, /dev and a dozen more mounts) is torn down
 * when its last process exits, before the kernel reports the exit: 1-1.5 ms between a short container's
 * exit and its parent's SIGCHLD here, on the path of a pod's next container and of the exit a client
 * waits for. The supervisor holds each container's namespace (an fd on it, opened at the clone) so that
 * the exit is reported at once, and lets go of it 100 ms later, when the pod's next container has started
 * (run_loop). */
static void hold_namespace(struct supervisor *s, struct sup_container *c)
{
    if (c->mnt_ns_fd < 0)
        return;
    if (s->held_count == 0)
        s->held_since_ms = husk_now_ms();
    if (s->held_count < HELD_NAMESPACES_MAX)
        s->held_ns[s->held_count++] = c->mnt_ns_fd;
    else
        close(c->mnt_ns_fd);
    c->mnt_ns_fd = -1;
}

static void release_namespaces(struct supervisor *s)
{
    while (s->held_count > 0)
        close(s->held_ns[--s->held_count]);
}

static void record_exit(struct supervisor *s, struct sup_container *c, int wait_status)
{
    /* Whatever the process wrote before it died is in the pipe already: log it before the exit. */
    if (c->out_fd >= 0)
        pump_stream(s, c, &c->out_fd, "stdout");
    if (c->err_fd >= 0)
        pump_stream(s, c, &c->err_fd, "stderr");
    struct runtime_container_status *st = &c->status;
    st->state = RUNTIME_CONTAINER_EXITED;
    st->finished_at_ns = runtime_now_ns();
    if (WIFSIGNALED(wait_status)) {
        st->signal = WTERMSIG(wait_status);
        st->exit_code = 128 + st->signal;
    } else {
        st->exit_code = WEXITSTATUS(wait_status);
    }
    long oom_kills = 0;
    husk_error err = {0};
    char cgroup[1200];
    snprintf(cgroup, sizeof cgroup, "%s/%s", s->info.cgroup_path, c->name);
    /* The kernel's OOM killer counts its kills per memory cgroup (v1 memory.oom_control, v2
     * memory.events); a kill during this run means the container was OOMKilled (exit code 137). */
    if (s->cgroups->oom_kill_count(cgroup, &oom_kills, &err) == 0 && oom_kills > c->oom_kills_at_start) {
        st->oom_killed = true;
        st->exit_code = 137;
    }
    snprintf(st->reason, sizeof st->reason, "%s",
             st->oom_killed       ? "OOMKilled"
             : st->exit_code == 0 ? "Completed"
                                  : "Error");
    c->running = false;
    save_state(s, c);
    hold_namespace(s, c);
    if (c->pidfd >= 0) {
        close(c->pidfd);
        c->pidfd = -1;
    }
}

static void reap_children(struct supervisor *s)
{
    struct signalfd_siginfo info;
    while (read(s->signal_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT)
            s->done = true;
    }
    int status;
    pid_t pid;
    /* As PID 1 (or subreaper) this also reaps orphans of the pod, so nothing stays a zombie. */
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (struct sup_container *c = s->containers; c != NULL; c = c->next)
            if (c->running && c->pid == pid)
                record_exit(s, c, status);
}

static int watch(struct supervisor *s, int fd, husk_error *err)
{
    if (fd < 0)
        return 0;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return husk_error_set_errno(err, errno, "epoll_ctl");
    return 0;
}

static bool valid_name(const char *name)
{
    return name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL && strlen(name) < 128;
}

static int open_log(struct supervisor *s, struct sup_container *c,
                    const struct runtime_container_config *config, husk_error *err)
{
    if (config->log_path != NULL)
        c->log_path = strdup(config->log_path);
    else if (asprintf(&c->log_path, "%s/%s.log", s->info.log_dir, config->name) < 0)
        c->log_path = NULL;
    if (c->log_path == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    c->log_max_bytes = config->log_max_bytes;
    c->log_max_files = config->log_max_files;
    int fd = open_log_file(c);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "opening the log %s", c->log_path);
    return fd;
}

static int spawn(struct supervisor *s, struct sup_container *c, const struct runtime_container_config *config,
                 husk_error *err)
{
    char dir[4096], cgroup[1200];
    container_path(s, c->name, "", dir, sizeof dir);
    snprintf(cgroup, sizeof cgroup, "%s/%s", s->info.cgroup_path, c->name);
    husk_error ignored = {0};
    s->cgroups->oom_kill_count(cgroup, &c->oom_kills_at_start, &ignored);
    if ((c->log_fd = open_log(s, c, config, err)) < 0)
        return -1;
    struct runtime_spawned spawned;
    if (c->prepared) {
        spawned = take_prepared(c);
        if (runtime_spawn_release(&spawned, config->name, err) < 0)
            return -1;
    } else {
        struct runtime_spawn_request request = {config, dir, s->state_dir, &s->info, s->cgroups, cgroup};
        if (runtime_container_spawn(&request, &spawned, err) < 0)
            return -1;
    }
    *c = (struct sup_container){.pid = spawned.pid,
                                .host_pid = spawned.host_pid,
                                .pidfd = spawned.pidfd,
                                .mnt_ns_fd = spawned.mnt_ns_fd,
                                .out_fd = spawned.stdout_fd,
                                .err_fd = spawned.stderr_fd,
                                .log_fd = c->log_fd,
                                .log_path = c->log_path,
                                .log_size = c->log_size,
                                .log_max_bytes = c->log_max_bytes,
                                .log_max_files = c->log_max_files,
                                .oom_kills_at_start = c->oom_kills_at_start,
                                .running = true,
                                .sync_fd = -1,
                                .go_fd = -1,
                                .next = c->next};
    snprintf(c->name, sizeof c->name, "%s", config->name);
    c->status = (struct runtime_container_status){
        .state = RUNTIME_CONTAINER_RUNNING, .pid = spawned.host_pid, .started_at_ns = runtime_now_ns()};
    save_state(s, c);
    if (watch(s, c->out_fd, err) < 0 || watch(s, c->err_fd, err) < 0)
        return -1;
    return 0;
}

/* The container's entry, added to the list if it has none. */
static struct sup_container *find_or_add(struct supervisor *s, const char *name)
{
    struct sup_container *c = find_container(s, name);
    if (c != NULL || (c = calloc(1, sizeof *c)) == NULL)
        return c;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->pidfd = c->out_fd = c->err_fd = c->log_fd = c->mnt_ns_fd = c->sync_fd = c->go_fd = -1;
    c->next = s->containers;
    s->containers = c;
    return c;
}

/* The container's config.json, and its entry in *ret (added if it has none); NULL with the reply written
 * when either fails. */
static struct runtime_loaded_container *load_config(struct supervisor *s, const char *name,
                                                    struct sup_container **ret, char *reply, size_t size)
{
    char path[4096];
    container_path(s, name, "config.json", path, sizeof path);
    struct runtime_loaded_container *loaded = NULL;
    husk_error err = {0};
    if (runtime_container_config_load(path, &loaded, &err) < 0) {
        snprintf(reply, size, "error %s", err.message);
        return NULL;
    }
    if ((*ret = find_or_add(s, name)) == NULL) {
        runtime_loaded_container_free(loaded);
        snprintf(reply, size, "error out of memory");
        return NULL;
    }
    return loaded;
}

static int handle_remove(struct supervisor *s, const char *name, char *reply, size_t size);

/* Clones the container's process, which sets up and waits to exec (see runtime_container_prepare). The
 * reply comes at once: the supervisor goes on serving (its pod's init containers) meanwhile. */
static int handle_prepare(struct supervisor *s, const char *name, char *reply, size_t size)
{
    husk_error err = {0};
    struct sup_container *c = find_container(s, name);
    if (c != NULL)
        return snprintf(reply, size, "error container %s exists already", name);
    struct runtime_loaded_container *loaded = load_config(s, name, &c, reply, size);
    if (loaded == NULL)
        return (int)strlen(reply);
    char dir[4096], cgroup[1200];
    container_path(s, name, "", dir, sizeof dir);
    snprintf(cgroup, sizeof cgroup, "%s/%s", s->info.cgroup_path, name);
    struct runtime_spawn_request request = {&loaded->config, dir,    s->state_dir, &s->info,
                                            s->cgroups,      cgroup, .hold = true};
    struct runtime_spawned held;
    int r = runtime_container_spawn(&request, &held, &err);
    runtime_loaded_container_free(loaded);
    if (r < 0) {
        /* Nothing to keep: the start makes it afresh (and reports what fails then). */
        char ignored[64];
        handle_remove(s, name, ignored, sizeof ignored);
        return snprintf(reply, size, "error %s", err.message);
    }
    *c = (struct sup_container){.pid = held.pid,
                                .host_pid = held.host_pid,
                                .pidfd = held.pidfd,
                                .out_fd = held.stdout_fd,
                                .err_fd = held.stderr_fd,
                                .log_fd = -1,
                                .mnt_ns_fd = held.mnt_ns_fd,
                                .sync_fd = held.sync_fd,
                                .go_fd = held.go_fd,
                                .prepared = true,
                                .next = c->next};
    snprintf(c->name, sizeof c->name, "%s", name);
    return snprintf(reply, size, "ok %d", (int)c->host_pid);
}

static int handle_start(struct supervisor *s, const char *name, char *reply, size_t size)
{
    husk_error err = {0};
    struct sup_container *c = find_container(s, name);
    if (c != NULL && (c->running || c->status.state == RUNTIME_CONTAINER_EXITED))
        return snprintf(reply, size, "error container %s was started already", name);
    struct runtime_loaded_container *loaded = load_config(s, name, &c, reply, size);
    if (loaded == NULL)
        return (int)strlen(reply);
    int r = spawn(s, c, &loaded->config, &err);
    runtime_loaded_container_free(loaded);
    if (r < 0) {
        /* A start that fails is an exit too: the kubelet reports it as StartError with code 128. */
        c->status = (struct runtime_container_status){
            .state = RUNTIME_CONTAINER_EXITED, .exit_code = 128, .started_at_ns = runtime_now_ns()};
        c->status.finished_at_ns = c->status.started_at_ns;
        snprintf(c->status.reason, sizeof c->status.reason, "StartError");
        snprintf(c->status.message, sizeof c->status.message, "%.255s", err.message);
        save_state(s, c);
        close_container_fds(c);
        return snprintf(reply, size, "error %s", err.message);
    }
    husk_crash_point("supervisor-start");
    return snprintf(reply, size, "ok %d", (int)c->host_pid);
}

static int handle_kill(struct supervisor *s, const char *name, int sig, char *reply, size_t size)
{
    struct sup_container *c = find_container(s, name);
    if (c == NULL || !c->running)
        return snprintf(reply, size, "error container %s is not running", name);
    if (syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0) < 0)
        return snprintf(reply, size, "error signalling container %s: %s", name, strerror(errno));
    husk_crash_point("supervisor-kill");
    return snprintf(reply, size, "ok");
}

static int handle_remove(struct supervisor *s, const char *name, char *reply, size_t size)
{
    for (struct sup_container **p = &s->containers; *p != NULL; p = &(*p)->next) {
        struct sup_container *c = *p;
        if (strcmp(c->name, name) != 0)
            continue;
        if (c->running)
            return snprintf(reply, size, "error container %s is running", name);
        *p = c->next;
        if (c->out_fd >= 0)
            epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->out_fd, NULL);
        if (c->err_fd >= 0)
            epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->err_fd, NULL);
        free_container(c);
        break;
    }
    return snprintf(reply, size, "ok");
}

/* The kubelet rotates logs by renaming the file and asking the runtime to reopen it. */
static int handle_reopen(struct supervisor *s, const char *name, char *reply, size_t size)
{
    struct sup_container *c = find_container(s, name);
    if (c == NULL || c->log_path == NULL)
        return snprintf(reply, size, "error container %s has no log", name);
    int fd = open_log_file(c);
    if (fd < 0)
        return snprintf(reply, size, "error reopening %s: %s", c->log_path, strerror(errno));
    if (c->log_fd >= 0)
        close(c->log_fd);
    c->log_fd = fd;
    return snprintf(reply, size, "ok");
}

/* A spare sandbox (sandbox_pool.c) given to a pod: its state dir was renamed to the pod's, its sandbox.json
 * rewritten and its cgroup renamed. It finds the dir's new name through the fd it holds on it, takes the
 * pod's hostname, and shows the new dir in its command line, where ps and pgrep find a pod's supervisor. */
static int handle_adopt(struct supervisor *s, char *reply, size_t size)
{
    if (s->containers != NULL)
        return snprintf(reply, size, "error this sandbox has containers: it is not a spare");
    char link[64], dir[4096], path[4200];
    snprintf(link, sizeof link, "/proc/self/fd/%d", s->dir_fd);
    ssize_t n = s->dir_fd >= 0 ? readlink(link, dir, sizeof dir - 1) : -1;
    if (n <= 0)
        return snprintf(reply, size, "error finding the state dir's name: %s", strerror(errno));
    dir[n] = '\0';
    snprintf(path, sizeof path, "%s/sandbox.json", dir);
    struct runtime_sandbox_info info;
    husk_error err = {0};
    if (runtime_sandbox_info_load(path, &info, &err) < 0)
        return snprintf(reply, size, "error %s", err.message);
    if (!info.host_network && sethostname(info.hostname, strlen(info.hostname)) < 0)
        return snprintf(reply, size, "error setting the hostname %s: %s", info.hostname, strerror(errno));
    char *copy = strdup(dir);
    if (copy == NULL)
        return snprintf(reply, size, "error out of memory");
    free(s->adopted_dir);
    s->state_dir = s->adopted_dir = copy;
    s->info = info;
    runtime_supervisor_title_set(s->state_dir);
    return snprintf(reply, size, "ok %d", (int)s->host_pid);
}

static void kill_all(struct supervisor *s)
{
    for (struct sup_container *c = s->containers; c != NULL; c = c->next) {
        if (c->prepared) {
            cancel_prepared(c);
            waitpid(c->pid, NULL, 0);
        }
        if (!c->running)
            continue;
        syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
        int status = 0;
        if (waitpid(c->pid, &status, 0) == c->pid)
            record_exit(s, c, status);
    }
}

static void dispatch(struct supervisor *s, char *line, char *reply, size_t size)
{
    char verb[16] = "", name[128] = "";
    int sig = 0;
    int n = sscanf(line, "%15s %127s %d", verb, name, &sig);
    if (n >= 1 && strcmp(verb, "ping") == 0)
        snprintf(reply, size, "ok %d", (int)s->host_pid);
    else if (n >= 1 && strcmp(verb, "shutdown") == 0) {
        kill_all(s);
        s->done = true;
        snprintf(reply, size, "ok");
    } else if (n >= 2 && !valid_name(name))
        snprintf(reply, size, "error bad container name");
    else if (n == 2 && strcmp(verb, "start") == 0)
        handle_start(s, name, reply, size);
    else if (n == 2 && strcmp(verb, "prepare") == 0)
        handle_prepare(s, name, reply, size);
    else if (n == 3 && strcmp(verb, "kill") == 0)
        handle_kill(s, name, sig, reply, size);
    else if (n == 2 && strcmp(verb, "remove") == 0)
        handle_remove(s, name, reply, size);
    else if (n == 2 && strcmp(verb, "reopen") == 0)
        handle_reopen(s, name, reply, size);
    else if (n == 1 && strcmp(verb, "adopt") == 0)
        handle_adopt(s, reply, size);
    else
        snprintf(reply, size, "error unknown request");
}

static void serve_client(struct supervisor *s)
{
    cleanup_close int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    /* Clients are husk itself; still, a stuck one must not stall the pod. */
    struct timeval timeout = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char line[RUNTIME_REQUEST_MAX + 1] = "";
    size_t len = 0;
    while (len < RUNTIME_REQUEST_MAX && memchr(line, '\n', len) == NULL) {
        ssize_t n = read(fd, line + len, RUNTIME_REQUEST_MAX - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    line[len] = '\0';
    line[strcspn(line, "\n")] = '\0';
    char reply[HUSK_ERROR_MESSAGE_MAX + 16];
    dispatch(s, line, reply, sizeof reply - 1);
    strcat(reply, "\n");
    ssize_t ignored = send(fd, reply, strlen(reply), MSG_NOSIGNAL);
    (void)ignored;
}

static void on_output(struct supervisor *s, int fd)
{
    for (struct sup_container *c = s->containers; c != NULL; c = c->next) {
        if (c->out_fd == fd)
            pump_stream(s, c, &c->out_fd, "stdout");
        else if (c->err_fd == fd)
            pump_stream(s, c, &c->err_fd, "stderr");
        else
            continue;
        return;
    }
}

static void run_loop(struct supervisor *s)
{
    while (!s->done) {
        runtime_supervisor_trim_stack();
        int timeout = -1;
        if (s->held_count > 0) {
            int64_t left = s->held_since_ms + HELD_NAMESPACES_MS - husk_now_ms();
            if (left <= 0)
                release_namespaces(s);
            else
                timeout = (int)left;
        }
        struct epoll_event events[16];
        int n = epoll_wait(s->epoll_fd, events, 16, timeout);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == s->signal_fd)
                reap_children(s);
            else if (fd == s->listen_fd)
                serve_client(s);
            else
                on_output(s, fd);
        }
    }
    kill_all(s);
}

/* The kubelet's for a pod's infra container: the OOM killer takes any of the pod's containers (-997 and up,
 * spawn.c) before the supervisor, whose loss would end them all. */
#define SUPERVISOR_OOM_SCORE_ADJ (-998)

int runtime_supervisor_main(int argc, char **argv)
{
    /* A spare's fourth argument is room to write its pod's state dir over its own (handle_adopt). */
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: husk-supervisor STATE_DIR READY_FD [PADDING]\n");
        return 2;
    }
    runtime_supervisor_title_init(argc, argv);
    runtime_oom_score_adj_set(SUPERVISOR_OOM_SCORE_ADJ);
    struct supervisor s = {.state_dir = argv[1], .epoll_fd = -1, .signal_fd = -1, .listen_fd = -1};
    s.dir_fd = open(s.state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int ready_fd = (int)strtol(argv[2], NULL, 10);
    husk_error err = {0};
    if (runtime_supervisor_detach(s.state_dir, &s.info, &s.cgroups, &err) < 0 ||
        runtime_supervisor_setup(s.state_dir, &s.info, &s.host_pid, &err) < 0 ||
        runtime_supervisor_listen(s.state_dir, &s.listen_fd, &s.signal_fd, &s.epoll_fd, &err) < 0) {
        dprintf(ready_fd, "error %s\n", err.message);
        return 1;
    }
    dprintf(ready_fd, "ok %d\n", (int)s.host_pid);
    close(ready_fd);
    run_loop(&s);
    while (s.containers != NULL) {
        struct sup_container *c = s.containers;
        s.containers = c->next;
        free_container(c);
    }
    log_info("pod supervisor for %s exiting", s.state_dir);
    free(s.adopted_dir);
    return 0;
}
