/* The runtime layer's public interface: pod sandboxes and their containers, driven by C structs (the node
 * layer translates pods into these; nothing here parses YAML or Kubernetes JSON).
 *
 * A sandbox is one small `husk-supervisor` process per pod (see docs/ARCHITECTURE.md). It holds the
 * pod's network, IPC and UTS namespaces (and is PID 1 of the pod's PID namespace), parents every
 * container, writes their CRI logs and records their exits in state files under the pod's state dir.
 * The functions below talk to it over the unix socket in that dir, or read its state files, so any
 * process can manage a pod that another (now dead) process created. */
#ifndef HUSK_RUNTIME_RUNTIME_H
#define HUSK_RUNTIME_RUNTIME_H

#include "base/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Resource limits of a pod or a container cgroup. Zero means "not set". */
struct runtime_resources {
    int64_t memory_limit_bytes;
    uint64_t cpu_shares;    /* from the CPU request: milliCPU * 1024 / 1000 (min 2) */
    int64_t cpu_quota_us;   /* from the CPU limit: milliCPU * period / 1000 */
    uint64_t cpu_period_us; /* 100000 when a quota is set and this is 0 */
    int64_t pids_limit;
};

struct runtime_sandbox_pool;

struct runtime_sandbox_config {
    const char *pod_uid;
    const char *pod_name;
    const char *pod_namespace;
    const char *hostname;         /* the pod's name or spec.hostname */
    bool share_process_namespace; /* containers share the supervisor's PID namespace */
    bool host_network, host_ipc, host_pid;
    const char *etc_hosts; /* generated contents, bind-mounted into each container; NULL: none */
    const char *etc_hostname;
    const char *etc_resolv_conf;
    const char *cgroup_parent; /* under the cgroup root; NULL: "husk" */
    struct runtime_resources resources;
    const char *log_dir;               /* containers log to LOG_DIR/NAME.log unless they say otherwise */
    const char *state_dir;             /* created; holds the socket, state files and container dirs */
    int start_timeout_ms;              /* for the supervisor to answer that it listens; 0: 30 s */
    struct runtime_sandbox_pool *pool; /* spare sandboxes to take one from; NULL: none */
};

enum runtime_seccomp { RUNTIME_SECCOMP_RUNTIME_DEFAULT, RUNTIME_SECCOMP_UNCONFINED };

struct runtime_mount {
    const char *source;      /* a host path (a volume's dir, a hostPath); ignored for tmpfs */
    const char *destination; /* absolute, inside the container */
    const char *sub_path;    /* NULL, or a path inside source, resolved without leaving it */
    bool read_only;
    bool tmpfs; /* emptyDir medium Memory */
    uint64_t tmpfs_size_bytes;
};

struct runtime_container_config {
    const char *name;
    const char *const *rootfs_layers; /* layer dirs, lowest first; NULL-terminated */
    bool read_only_root;
    const char *const *argv; /* NULL-terminated; argv[0] is searched in the env's PATH */
    const char *const *env;  /* NULL-terminated "K=V", image env then spec env already merged */
    const char *cwd;         /* NULL: "/" */
    uid_t uid;
    gid_t gid;
    const gid_t *supplementary_groups;
    size_t supplementary_group_count;
    const char *const *capabilities_add;  /* "NET_ADMIN" or "CAP_NET_ADMIN"; "ALL" */
    const char *const *capabilities_drop; /* ditto */
    bool privileged;
    bool no_new_privs;
    enum runtime_seccomp seccomp;
    const struct runtime_mount *mounts;
    size_t mount_count;
    struct runtime_resources resources;
    /* Written to the process's oom_score_adj (and an exec'd one's) as it starts; without CAP_SYS_RESOURCE a
     * value below 0 is not allowed, and the process keeps the supervisor's (runtime_oom_score_adj_set). */
    int oom_score_adj;
    int stop_signal; /* 0: SIGTERM */
    bool tty;
    const char *log_path; /* NULL: LOG_DIR/NAME.log */
    /* Log rotation by the supervisor (log_rotate.c): once the log reaches log_max_bytes it is renamed to
     * LOG.YYYYMMDD-HHMMSS and a new one opened; at most log_max_files files (the live one included) stay.
     * 0: no limit. */
    int64_t log_max_bytes;
    int log_max_files;
};

enum runtime_container_state {
    RUNTIME_CONTAINER_UNKNOWN,
    RUNTIME_CONTAINER_CREATED,
    RUNTIME_CONTAINER_RUNNING,
    RUNTIME_CONTAINER_EXITED,
};

struct runtime_container_status {
    enum runtime_container_state state;
    pid_t pid;     /* in the host's PID namespace */
    int exit_code; /* 128+N when killed by signal N */
    int signal;    /* the signal that killed it, or 0 */
    bool oom_killed;
    char reason[32];       /* "Completed", "Error", "OOMKilled", "SandboxLost" */
    int64_t started_at_ns; /* CLOCK_REALTIME */
    int64_t finished_at_ns;
    char message[256]; /* why a start failed */
};

/* A handle on a sandbox: its state dir and what is needed to clean it up. */
struct runtime_sandbox {
    char *state_dir;
    char *cgroup_path; /* relative to the cgroup root: PARENT/pod-UID */
    pid_t supervisor_pid;
    int supervisor_pidfd; /* to see that the supervisor lives without asking it; -1 when unknown */
};

/* Creates the state dir, the pod cgroup and the supervisor; returns once the supervisor listens. */
int runtime_sandbox_create(const struct runtime_sandbox_config *config, struct runtime_sandbox **ret_sandbox,
                           husk_error *err);

/* Spare sandboxes, made ahead by a thread of the pool's own, so that a pod's sandbox is a supervisor that
 * runs already: its state dir, cgroup and command line are renamed to the pod's and it takes the pod's
 * hostname (runtime_sandbox_create takes one when the config names the pool and the pod shares none of
 * the host's namespaces). A pool keeps `size` spares (0: none; also where cgroups cannot be renamed,
 * cgroup2) under DIR (same file system as the pods' state dirs) and cgroups PARENT/spare-*; it removes
 * those a previous pool left there when it starts, and its own when freed. */
int runtime_sandbox_pool_new(const char *dir, const char *cgroup_parent, int size,
                             struct runtime_sandbox_pool **ret_pool, husk_error *err);
void runtime_sandbox_pool_free(struct runtime_sandbox_pool *pool);
/* Says that the pods which took spares have started their containers: the next spare is made now rather
 * than after 50 ms without a take (pods that come one after another each find one). */
void runtime_sandbox_pool_settled(struct runtime_sandbox_pool *pool);
/* Makes the dir at path (mode 0700 or mode): an empty one the pool made ahead, renamed there, or else a new
 * one (pool NULL, none ready, or path there already); as mkdir, 0 or -1 with errno (EEXIST: there already).
 * For the node's pod and log dirs, whose parents spread dirs over the disk at a cost. */
int runtime_sandbox_pool_take_dir(struct runtime_sandbox_pool *pool, const char *path, mode_t mode);
/* How many spares are ready now. */
int runtime_sandbox_pool_ready(struct runtime_sandbox_pool *pool);

/* Reattaches to the sandbox whose state dir is given (its supervisor need not be alive). */
int runtime_sandbox_open(const char *state_dir, struct runtime_sandbox **ret_sandbox, husk_error *err);

/* The pod's network namespace, pinned by a bind mount at STATE/netns for the sandbox's whole life (so that
 * CNI can attach the pod after creation and detach it even after the supervisor died); -1 with
 * hostNetwork, which has none of its own. */
int runtime_sandbox_netns_path(const struct runtime_sandbox *sandbox, char *buf, size_t size);

/* Rewrites the pod's /etc/hosts in place (same inode: containers bind-mount the file), e.g. once the
 * network gave the pod its IP. */
int runtime_sandbox_set_etc_hosts(const struct runtime_sandbox *sandbox, const char *contents,
                                  husk_error *err);

/* Whether the supervisor answers on its socket. */
bool runtime_sandbox_alive(const struct runtime_sandbox *sandbox);

/* Kills every container, stops the supervisor, removes the cgroups and the state dir. */
int runtime_sandbox_remove(struct runtime_sandbox *sandbox, husk_error *err);
/* The same but the state dir, which holds no mount any more and is the caller's to remove (a pod dir goes
 * to the node's trash whole). */
int runtime_sandbox_stop(struct runtime_sandbox *sandbox, husk_error *err);

void runtime_sandbox_free(struct runtime_sandbox *sandbox);

/* Prepares STATE/containers/NAME and the container's cgroup. A container runs once: a restart (as the
 * kubelet does it) is a new container, under a new name or after runtime_container_remove. */
int runtime_container_create(struct runtime_sandbox *sandbox, const struct runtime_container_config *config,
                             husk_error *err);

/* Starts it; returns once its process has exec'd (or failed to: the state then reads StartError). */
int runtime_container_start(struct runtime_sandbox *sandbox, const char *name, husk_error *err);

/* Makes a created container's process ready to exec (its namespaces, cgroup and root all set up) and has it
 * wait; runtime_container_start then only lets it exec. Returns at once, while the process sets up: a pod's
 * app containers are made ready while its init containers run, which they do not see (each has its own
 * PID namespace; do not use with a shared or host PID namespace). runtime_container_remove ends it. */
int runtime_container_prepare(struct runtime_sandbox *sandbox, const char *name, husk_error *err);

/* The config as the runtime records it (the text of its config.json): two configs with the same text make
 * the same container. malloc'd; NULL when out of memory. */
char *runtime_container_config_text(const struct runtime_container_config *config);

/* The stop signal, up to grace_seconds for the container to exit, then SIGKILL; returns once it exited. */
int runtime_container_stop(struct runtime_sandbox *sandbox, const char *name, int grace_seconds,
                           husk_error *err);

/* Sends one signal to the container's main process. */
int runtime_container_kill(struct runtime_sandbox *sandbox, const char *name, int signal, husk_error *err);

int runtime_container_remove(struct runtime_sandbox *sandbox, const char *name, husk_error *err);

/* Has the supervisor reopen the container's log file: log rotation renames it first (the CRI's
 * ReopenContainerLog). */
int runtime_container_reopen_log(struct runtime_sandbox *sandbox, const char *name, husk_error *err);

/* The memory working set of a pod's cgroup (usage less inactive file pages, as the kubelet's summary
 * stats count it), by the sandbox's cgroup path (PARENT/pod-UID); stats.c. */
int runtime_cgroup_memory_working_set(const char *cgroup_path, int64_t *ret_bytes, husk_error *err);

int runtime_container_status(const struct runtime_sandbox *sandbox, const char *name,
                             struct runtime_container_status *ret_status, husk_error *err);

/* Waits up to timeout_ms for the container to reach EXITED; fills ret_status either way. */
int runtime_container_wait(const struct runtime_sandbox *sandbox, const char *name, int timeout_ms,
                           struct runtime_container_status *ret_status, husk_error *err);

struct runtime_exec_config {
    const char *const *argv;
    const char *const *env; /* NULL: the container's env */
    bool tty;
    int stdin_fd; /* -1: /dev/null */
    int stdout_fd;
    int stderr_fd;  /* unused with a tty: the tty carries both streams */
    int timeout_ms; /* > 0: the process is killed after that long and the exec fails with ETIMEDOUT */
    /* With a tty: called before the process starts with a duplicate of the pty master, which the callee
     * owns (to set the window size as the client's terminal changes, TIOCSWINSZ); NULL: not called. */
    void (*tty_master)(int master_fd, void *arg);
    void *tty_master_arg;
};

/* Runs a process inside a running container (its namespaces, cgroup, user, capabilities, seccomp),
 * streaming its stdio from and to the given fds; returns its exit code (128+N for signal N). */
int runtime_container_exec(const struct runtime_sandbox *sandbox, const char *name,
                           const struct runtime_exec_config *config, int *ret_exit_code, husk_error *err);

/* A tmpfs at path for an emptyDir with medium Memory (size 0: the kernel's default), and its removal; an
 * unmount of something not mounted is not an error (volume.c). */
int runtime_volume_mount_tmpfs(const char *path, uint64_t size_bytes, husk_error *err);
int runtime_volume_unmount(const char *path, husk_error *err);

/* Calls fn(arg) on a new thread that has joined the sandbox's network namespace and returns what fn
 * returned, or -1 with err set when the namespace cannot be entered (netns.c). */
int runtime_sandbox_in_netns(const struct runtime_sandbox *sandbox, int (*fn)(void *arg), void *arg,
                             husk_error *err);
/* The same for the network namespace at netns_path (a pinned one: runtime_sandbox_netns_path). */
int runtime_netns_call(const char *netns_path, int (*fn)(void *arg), void *arg, husk_error *err);

/* Writes the calling process's oom_score_adj, best effort: a value below the lowest one a process with
 * CAP_SYS_RESOURCE set for it or its ancestors (0 when none did) needs that capability, which root lacks in
 * some containers and VMs (the value then stays). Its children inherit it. Call it before leaving the
 * host's /proc. */
void runtime_oom_score_adj_set(int value);

#endif
