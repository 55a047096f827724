/* The daemon's pulls in a child process (`husk-image image pull --pull-policy …`); the protocol is described
 * in pull_process.h. The child dies with the pod worker's thread (PR_SET_PDEATHSIG), so with the daemon too,
 * and is killed when the worker gives up (the pod deleted, the daemon stopping). */
#include "image/pull_process.h"
#include "base/cleanup.h"
#include "base/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CANCEL_CHECK_MS 200
#define EXIT_CHECK_MS   10
#define MESSAGE_PREFIX  "husk: "

int image_pull_exit_status(int rc)
{
    return rc < 0 ? IMAGE_PULL_EXIT_BASE - rc : 0;
}

/* The child's stderr, line by line: each passed on to ours (the daemon's log), the last "husk: " kept. */
struct child_output {
    char line[HUSK_ERROR_MESSAGE_MAX + 64];
    size_t used;
    char message[HUSK_ERROR_MESSAGE_MAX];
};

static void output_line(struct child_output *o, size_t len)
{
    o->line[len] = '\n';
    /* One write per line keeps lines whole among the daemon's other threads; the log is best effort. */
    ssize_t ignored = write(STDERR_FILENO, o->line, len + 1);
    (void)ignored;
    size_t prefix = strlen(MESSAGE_PREFIX);
    if (len >= prefix && memcmp(o->line, MESSAGE_PREFIX, prefix) == 0) {
        size_t n = len - prefix < sizeof o->message - 1 ? len - prefix : sizeof o->message - 1;
        memcpy(o->message, o->line + prefix, n);
        o->message[n] = '\0';
    }
}

static void output_add(struct child_output *o, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '\n' || o->used == sizeof o->line - 1) {
            output_line(o, o->used);
            o->used = 0;
            if (data[i] == '\n')
                continue;
        }
        o->line[o->used++] = data[i];
    }
}

static pid_t spawn_child(char *const argv[], int *ret_fd, husk_error *err)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return husk_error_set_errno(err, errno, "pipe");
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t parent = getpid();
    pid_t pid = devnull < 0 ? -1 : fork();
    if (pid == 0) {
        /* Only async-signal-safe calls until exec: the daemon has threads. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL); /* the daemon blocks SIGTERM and SIGINT for its signalfd */
        signal(SIGPIPE, SIG_DFL);
        if (dup2(devnull, STDIN_FILENO) < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
            dup2(pipefd[1], STDERR_FILENO) < 0)
            _exit(127);
        execv(argv[0], argv);
        /* No stdio: another thread may have held its locks at the fork. */
        husk_write_strings(STDERR_FILENO, (const char *const[]){MESSAGE_PREFIX, "running ", argv[0], ": ",
                                                                strerrordesc_np(errno), "\n", NULL});
        _exit(127);
    }
    int saved = errno;
    close(pipefd[1]);
    if (devnull >= 0)
        close(devnull);
    if (pid < 0) {
        close(pipefd[0]);
        return husk_error_set_errno(err, saved, "starting %s", argv[0]);
    }
    *ret_fd = pipefd[0];
    return pid;
}

/* Reads the child's stderr to its end and reaps it, killing it when cancelled says so; its wait status. */
static int wait_child(pid_t pid, int fd, image_cancel_fn cancelled, void *cancel_data, struct child_output *o,
                      bool *ret_cancelled)
{
    bool eof = false;
    int status = 0;
    for (;;) {
        if (!eof) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, CANCEL_CHECK_MS) > 0) {
                char buf[4096];
                ssize_t n = read(fd, buf, sizeof buf);
                if (n > 0)
                    output_add(o, buf, (size_t)n);
                else if (n == 0 || errno != EINTR)
                    eof = true;
            }
        } else {
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid)
                break;
            if (r < 0 && errno != EINTR) {
                status = W_EXITCODE(127, 0); /* cannot happen unless SIGCHLD is ignored: a failure */
                break;
            }
            /* Its stderr is closed: it is exiting, so look again soon. */
            nanosleep(&(struct timespec){0, EXIT_CHECK_MS * 1000000L}, NULL);
        }
        if (!*ret_cancelled && cancelled != NULL && cancelled(cancel_data)) {
            kill(pid, SIGKILL); /* not yet reaped, so the PID is still the child's */
            *ret_cancelled = true;
        }
    }
    if (o->used > 0)
        output_line(o, o->used);
    return status;
}

/* The child's failure as an IMAGE_ERR_* code, with its message (or how it ended) in err. */
static int child_result(int status, pid_t pid, const char *name, bool was_cancelled,
                        const struct child_output *o, husk_error *err)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    int code =
        WIFEXITED(status) ? IMAGE_PULL_EXIT_BASE - WEXITSTATUS(status) : 0; /* image_pull_exit_status */
    int rc = code >= IMAGE_ERR_PULL && code <= IMAGE_ERR_STORE ? code : IMAGE_ERR_PULL;
    if (was_cancelled)
        husk_error_set(err, ECANCELED, "pulling %s: stopped (the pod or the daemon is stopping)", name);
    else if (o->message[0] != '\0')
        husk_error_set(err, EIO, "%s", o->message);
    else if (WIFSIGNALED(status))
        husk_error_set(err, EIO, "pulling %s: the pull process (pid %d) was killed by signal %d", name,
                       (int)pid, WTERMSIG(status));
    else
        husk_error_set(err, EIO, "pulling %s: the pull process (pid %d) exited with status %d", name,
                       (int)pid, WEXITSTATUS(status));
    return rc;
}

static int run_pull_child(const char *program, const char *data_dir, const char *name,
                          enum image_pull_policy policy, const struct image_pull_options *opts,
                          image_cancel_fn cancelled, void *cancel_data, husk_error *err)
{
    const char *argv[16] = {program,      "image",         "pull",
                            "--quiet",    "--pull-policy", image_pull_policy_name(policy),
                            "--data-dir", data_dir};
    size_t n = 8;
    if (opts != NULL && opts->registries_config != NULL) {
        argv[n++] = "--registries-config";
        argv[n++] = opts->registries_config;
    }
    if (opts != NULL && opts->authfile != NULL) {
        argv[n++] = "--authfile";
        argv[n++] = opts->authfile;
    }
    argv[n++] = name;
    cleanup_close int fd = -1;
    pid_t pid = spawn_child((char *const *)argv, &fd, err);
    if (pid < 0)
        return IMAGE_ERR_PULL;
    struct child_output *o = calloc(1, sizeof *o);
    if (o == NULL) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    bool was_cancelled = false;
    int status = wait_child(pid, fd, cancelled, cancel_data, o, &was_cancelled);
    int rc = child_result(status, pid, name, was_cancelled, o, err);
    free(o);
    return rc;
}

int image_ensure_in_child(struct image_store *s, const char *program, const char *data_dir, const char *name,
                          enum image_pull_policy policy, const struct image_pull_options *opts,
                          image_cancel_fn cancelled, void *cancel_data, struct image **ret, husk_error *err)
{
    cleanup_free char *full = NULL;
    int rc = image_full_name(name, &full, err);
    if (rc < 0)
        return rc;
    if (policy != IMAGE_PULL_ALWAYS && image_get_unpacked(s, full, ret, err) == 0)
        return 0;
    /* The child gets the name as the pod gave it, so its messages are the ones image_ensure would make. */
    rc = run_pull_child(program, data_dir, name, policy, opts, cancelled, cancel_data, err);
    if (rc < 0)
        return rc;
    if (image_get_unpacked(s, full, ret, err) < 0)
        return IMAGE_ERR_STORE;
    return 0;
}
