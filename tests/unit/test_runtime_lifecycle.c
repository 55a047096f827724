/* A pod's life beyond one caller: survival of the process that made it, stop with grace, a killed
 * supervisor, exec, a shared PID namespace and subPath safety; containers prepared ahead of their start. */
#include "runtime_fixture.h"

#include <poll.h>
#include <time.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

static const char *const sleeper_argv[] = {"sleep", "1000", NULL};

TEST_WITH_TIMEOUT(runtime_pod_outlives_its_creator_and_records_exits, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t creator = fork();
    if (creator == 0) {
        /* The "daemon": makes the pod, reports the long container's PID, then is SIGKILLed. */
        fixture_pod(&f);
        struct runtime_container_config c = fixture_container(&f, "long", sleeper_argv);
        fixture_run(&f, &c);
        const char *const short_argv[] = {"sh", "-c", "sleep 1; exit 5", NULL};
        struct runtime_container_config s = fixture_container(&f, "short", short_argv);
        fixture_run(&f, &s);
        struct runtime_container_status st;
        husk_error err = {0};
        CHECK(runtime_container_status(f.sandbox, "long", &st, &err) == 0);
        CHECK(write(ready[1], &st.pid, sizeof st.pid) == sizeof st.pid);
        pause();
        _exit(0);
    }
    pid_t long_pid = 0;
    CHECK(read(ready[0], &long_pid, sizeof long_pid) == sizeof long_pid);
    kill(creator, SIGKILL);
    waitpid(creator, NULL, 0);

    husk_error err = {0};
    CHECK(runtime_sandbox_open(f.state_dir, &f.sandbox, &err) == 0);
    CHECK(runtime_sandbox_alive(f.sandbox));
    struct runtime_container_status st;
    CHECK(runtime_container_status(f.sandbox, "long", &st, &err) == 0);
    CHECK_INT_EQ(st.state, RUNTIME_CONTAINER_RUNNING);
    CHECK_INT_EQ(st.pid, long_pid);
    CHECK(fixture_pid_alive(long_pid));
    /* "short" exits while nobody is connected: its true code and time are on disk. */
    st = fixture_wait(&f, "short");
    CHECK_INT_EQ(st.exit_code, 5);
    CHECK(st.finished_at_ns - st.started_at_ns >= 900000000LL);
    fixture_remove(&f);
    CHECK(!fixture_pid_alive(long_pid));
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST_WITH_TIMEOUT(runtime_pod_stop_sends_the_stop_signal_then_sigkill, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    const char *const polite_argv[] = {
        "sh", "-c", "trap 'echo bye; exit 0' USR1; echo up; while true; do sleep 0.1; done", NULL};
    struct runtime_container_config polite = fixture_container(&f, "polite", polite_argv);
    polite.stop_signal = SIGUSR1;
    fixture_run(&f, &polite);
    const char *const stubborn_argv[] = {"sh", "-c", "trap '' TERM; echo up; while true; do sleep 0.1; done",
                                         NULL};
    struct runtime_container_config stubborn = fixture_container(&f, "stubborn", stubborn_argv);
    fixture_run(&f, &stubborn);
    /* Wait until both shells have set their traps. */
    for (int i = 0; i < 200; i++) {
        cleanup_free char *a = fixture_log(&f, "polite");
        cleanup_free char *b = fixture_log(&f, "stubborn");
        if (strstr(a, " up\n") != NULL && strstr(b, " up\n") != NULL)
            break;
        usleep(10000);
    }
    husk_error err = {0};
    CHECK(runtime_container_stop(f.sandbox, "polite", 10, &err) == 0);
    struct runtime_container_status st = fixture_wait(&f, "polite");
    CHECK_INT_EQ(st.exit_code, 0);
    cleanup_free char *log = fixture_log(&f, "polite");
    CHECK_STR_CONTAINS(log, "stdout F bye\n");
    int64_t start = now_ms();
    CHECK(runtime_container_stop(f.sandbox, "stubborn", 1, &err) == 0);
    CHECK(now_ms() - start >= 1000);
    st = fixture_wait(&f, "stubborn");
    CHECK_INT_EQ(st.exit_code, 137);
    CHECK_INT_EQ(st.signal, SIGKILL);
    CHECK(runtime_container_remove(f.sandbox, "stubborn", &err) == 0);
    CHECK(runtime_container_status(f.sandbox, "stubborn", &st, &err) < 0);
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pod_killed_supervisor_takes_its_containers, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    struct runtime_container_config c = fixture_container(&f, "long", sleeper_argv);
    fixture_run(&f, &c);
    struct runtime_container_status st;
    husk_error err = {0};
    CHECK(runtime_container_status(f.sandbox, "long", &st, &err) == 0);
    pid_t pid = st.pid;
    CHECK(kill(f.sandbox->supervisor_pid, SIGKILL) == 0);
    /* The supervisor was PID 1 of the pod: the kernel kills and reaps the rest; we reap it. */
    CHECK(waitpid(f.sandbox->supervisor_pid, NULL, 0) == f.sandbox->supervisor_pid);
    for (int i = 0; i < 500 && fixture_pid_alive(pid); i++)
        usleep(10000);
    CHECK(!fixture_pid_alive(pid));
    CHECK(runtime_container_status(f.sandbox, "long", &st, &err) == 0);
    CHECK_INT_EQ(st.state, RUNTIME_CONTAINER_EXITED);
    CHECK_INT_EQ(st.exit_code, 137);
    fixture_remove(&f);
}

static char *read_all(int fd)
{
    static char buf[4096];
    size_t len = 0;
    for (ssize_t n; len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0;)
        len += (size_t)n;
    buf[len] = '\0';
    return buf;
}

TEST_WITH_TIMEOUT(runtime_exec_runs_inside_the_container, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    struct runtime_container_config c = fixture_container(&f, "long", sleeper_argv);
    c.uid = 65534;
    fixture_run(&f, &c);

    int out[2];
    CHECK(pipe(out) == 0);
    const char *const argv[] = {"sh", "-c", "hostname; id -u; echo fds: $(ls /proc/1/fd); cat; exit 7", NULL};
    int in[2];
    CHECK(pipe(in) == 0);
    CHECK(write(in[1], "from stdin\n", 11) == 11);
    close(in[1]);
    struct runtime_exec_config e = {
        .argv = argv, .stdin_fd = in[0], .stdout_fd = out[1], .stderr_fd = out[1]};
    int code = -1;
    husk_error err = {0};
    if (runtime_container_exec(f.sandbox, "long", &e, &code, &err) < 0)
        fprintf(stderr, "# %s\n", err.message);
    close(out[1]);
    CHECK_INT_EQ(code, 7);
    const char *text = read_all(out[0]);
    CHECK_STR_CONTAINS(text, "testpod\n65534\nfds: 0 1 2\nfrom stdin\n");

    /* The pty is the container's own (its /dev/pts), so `tty` finds it there. */
    const char *const tty_argv[] = {"sh", "-c", "test -t 0 && test -t 1 && echo on-a-tty; tty; exit 3", NULL};
    CHECK(pipe(out) == 0);
    struct runtime_exec_config t = {
        .argv = tty_argv, .tty = true, .stdin_fd = -1, .stdout_fd = out[1], .stderr_fd = -1};
    CHECK(runtime_container_exec(f.sandbox, "long", &t, &code, &err) == 0);
    close(out[1]);
    CHECK_INT_EQ(code, 3);
    CHECK_STR_CONTAINS(read_all(out[0]), "on-a-tty\r\n/dev/pts/0");
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pod_shared_process_namespace, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    struct runtime_sandbox_config sc = {.hostname = "testpod", .share_process_namespace = true};
    fixture_pod_with(&f, &sc);
    struct runtime_container_config a = fixture_container(&f, "long", sleeper_argv);
    fixture_run(&f, &a);
    const char *const argv[] = {"ps", "-o", "pid,comm", NULL};
    struct runtime_container_config b = fixture_container(&f, "ps", argv);
    fixture_run(&f, &b);
    fixture_wait(&f, "ps");
    cleanup_free char *log = fixture_log(&f, "ps");
    CHECK_STR_CONTAINS(log, "stdout F     1 husk-supervisor\n");
    CHECK_STR_CONTAINS(log, " sleep\n");
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pod_subpath_cannot_leave_its_volume, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    char volume[512], path[600];
    snprintf(volume, sizeof volume, "%s/volume", f.dir);
    CHECK(mkdir(volume, 0755) == 0);
    snprintf(path, sizeof path, "%s/inner", volume);
    CHECK(mkdir(path, 0755) == 0);
    snprintf(path, sizeof path, "%s/inner/file", volume);
    CHECK(test_write_text(path, "inside\n") == 0);
    snprintf(path, sizeof path, "%s/escape", volume);
    CHECK(symlink("/etc", path) == 0);

    struct runtime_mount bad = {.source = volume, .destination = "/data", .sub_path = "escape"};
    const char *const argv[] = {"cat", "/data/file", NULL};
    struct runtime_container_config c = fixture_container(&f, "bad", argv);
    c.mounts = &bad;
    c.mount_count = 1;
    husk_error err = {0};
    CHECK(runtime_container_create(f.sandbox, &c, &err) == 0);
    CHECK(runtime_container_start(f.sandbox, "bad", &err) < 0);
    CHECK_STR_CONTAINS(err.message, "subPath escape");
    struct runtime_container_status st = fixture_wait(&f, "bad");
    CHECK_STR_EQ(st.reason, "StartError");

    struct runtime_mount good = {
        .source = volume, .destination = "/data", .sub_path = "inner", .read_only = true};
    const char *const good_argv[] = {"sh", "-c", "cat /data/file; touch /data/x || echo read-only", NULL};
    struct runtime_container_config g = fixture_container(&f, "good", good_argv);
    g.mounts = &good;
    g.mount_count = 1;
    fixture_run(&f, &g);
    fixture_wait(&f, "good");
    cleanup_free char *log = fixture_log(&f, "good");
    CHECK_STR_CONTAINS(log, "stdout F inside\n");
    CHECK_STR_CONTAINS(log, "stdout F read-only\n");
    fixture_remove(&f);
}

/* The pod's netns is pinned for CNI: the same namespace as the supervisor's, still there after the
 * supervisor is killed (so that the network can be detached), and gone with the sandbox. */
TEST_WITH_TIMEOUT(runtime_netns_is_pinned_for_the_sandbox_life, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    char pin[600], proc[64];
    CHECK(runtime_sandbox_netns_path(f.sandbox, pin, sizeof pin) == 0);
    snprintf(proc, sizeof proc, "/proc/%d/ns/net", (int)f.sandbox->supervisor_pid);
    struct stat a, b, host;
    CHECK(stat(pin, &a) == 0 && stat(proc, &b) == 0 && stat("/proc/self/ns/net", &host) == 0);
    CHECK(a.st_ino == b.st_ino && a.st_ino != host.st_ino);
    husk_error err = {0};
    CHECK(runtime_sandbox_set_etc_hosts(f.sandbox, "10.0.0.9\ttestpod\n", &err) == 0);
    CHECK(kill(f.sandbox->supervisor_pid, SIGKILL) == 0);
    for (int i = 0; i < 200 && runtime_sandbox_alive(f.sandbox); i++)
        usleep(10000);
    CHECK(stat(pin, &a) == 0 && a.st_ino == b.st_ino);
    fixture_remove(&f); /* checks that nothing stays mounted under the fixture's dir */
    CHECK(access(pin, F_OK) < 0);
}

TEST_WITH_TIMEOUT(runtime_host_network_has_no_pinned_netns, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    struct runtime_sandbox_config sc = {.host_network = true};
    fixture_pod_with(&f, &sc);
    char pin[600];
    CHECK(runtime_sandbox_netns_path(f.sandbox, pin, sizeof pin) < 0);
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_log_reopens_after_rotation, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    const char *const argv[] = {"sh", "-c", "while true; do echo tick; sleep 0.02; done", NULL};
    struct runtime_container_config c = fixture_container(&f, "ticker", argv);
    fixture_run(&f, &c);
    char log[512], rotated[600];
    snprintf(log, sizeof log, "%s/ticker.log", f.state_dir);
    snprintf(rotated, sizeof rotated, "%s.1", log);
    usleep(100000);
    CHECK(rename(log, rotated) == 0);
    husk_error err = {0};
    CHECK(runtime_container_reopen_log(f.sandbox, "ticker", &err) == 0);
    bool ticked = false;
    for (int i = 0; i < 200 && !ticked; i++) {
        cleanup_free char *text = NULL;
        ticked = runtime_read_file(log, 1 << 20, &text, &err) == 0 && strstr(text, "stdout F tick\n") != NULL;
        usleep(10000);
    }
    CHECK(ticked);
    CHECK(runtime_container_stop(f.sandbox, "ticker", 0, &err) == 0);
    fixture_remove(&f);
}

/* A sandbox that cannot be made (here its log dir cannot be) fails with the reason, and leaves nothing: no
 * state dir, no cgroup, no memory (a failed create kept its sandbox object: a leak the soak found). */
TEST_WITH_TIMEOUT(runtime_pod_failed_create_leaves_nothing, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    char file[300], log_dir[320], cgroup[400];
    snprintf(file, sizeof file, "%s/not-a-dir", f.dir);
    FILE *fp = fopen(file, "w");
    CHECK(fp != NULL);
    fclose(fp);
    snprintf(log_dir, sizeof log_dir, "%s/logs", file);
    struct runtime_sandbox_config c = {.hostname = "testpod",
                                       .pod_uid = f.pod_uid,
                                       .pod_name = "testpod",
                                       .pod_namespace = "default",
                                       .cgroup_parent = f.cgroup_parent,
                                       .state_dir = f.state_dir,
                                       .log_dir = log_dir};
    husk_error err = {0};
    struct runtime_sandbox *s = NULL;
    CHECK_INT_EQ(runtime_sandbox_create(&c, &s, &err), -1);
    CHECK(s == NULL);
    CHECK_INT_EQ(err.code, ENOTDIR);
    CHECK(strstr(err.message, "creating the sandbox of pod testpod: ") != NULL);
    CHECK(access(f.state_dir, F_OK) != 0);
    snprintf(cgroup, sizeof cgroup, "/sys/fs/cgroup/memory/%s/pod-%s", f.cgroup_parent, f.pod_uid);
    CHECK(access(cgroup, F_OK) != 0);
    /* A supervisor that cannot be run: the child forked to start it says why (without stdio, see
     * sandbox.c), and the cgroup made for it goes again. */
    const char *saved = getenv("HUSK_SUPERVISOR");
    char *supervisor = saved ? strdup(saved) : NULL;
    setenv("HUSK_SUPERVISOR", "/nonexistent/husk-supervisor", 1);
    c.log_dir = NULL;
    husk_error_clear(&err);
    CHECK_INT_EQ(runtime_sandbox_create(&c, &s, &err), -1);
    CHECK(strstr(err.message, "running /nonexistent/husk-supervisor: No such file or directory") != NULL);
    CHECK(access(f.state_dir, F_OK) != 0);
    CHECK(access(cgroup, F_OK) != 0);
    /* One that never answers (it keeps the ready pipe open and sleeps): given up on after the time limit,
     * and killed with the pod's cgroup. */
    char hang[320];
    snprintf(hang, sizeof hang, "%s/hang.sh", f.dir);
    fp = fopen(hang, "w");
    CHECK(fp != NULL);
    fputs("#!/bin/sh\nexec sleep 30\n", fp);
    fclose(fp);
    CHECK(chmod(hang, 0755) == 0);
    setenv("HUSK_SUPERVISOR", hang, 1);
    c.start_timeout_ms = 500;
    husk_error_clear(&err);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT_EQ(runtime_sandbox_create(&c, &s, &err), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK_INT_EQ(err.code, ETIMEDOUT);
    CHECK(strstr(err.message, "starting the supervisor of pod testpod: no answer in 500 ms") != NULL);
    CHECK(t1.tv_sec - t0.tv_sec < 15);
    CHECK(access(f.state_dir, F_OK) != 0);
    CHECK(access(cgroup, F_OK) != 0);
    if (supervisor != NULL)
        setenv("HUSK_SUPERVISOR", supervisor, 1);
    free(supervisor);
#if defined(__SANITIZE_ADDRESS__)
    CHECK_INT_EQ(__lsan_do_recoverable_leak_check(), 0);
#endif
}

/* Liveness is a poll of the supervisor's pidfd, not a request on its socket; a sandbox reopened from its
 * state dir trusts the PID there only once the supervisor answers (a PID reused by another process must not
 * pass for the supervisor). */
TEST_WITH_TIMEOUT(runtime_sandbox_liveness_from_its_pidfd, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    CHECK(f.sandbox->supervisor_pidfd >= 0);
    CHECK(runtime_sandbox_alive(f.sandbox));
    husk_error err = {0};
    struct runtime_sandbox *again = NULL;
    CHECK_INT_EQ(runtime_sandbox_open(f.state_dir, &again, &err), 0);
    CHECK(again->supervisor_pidfd >= 0);
    CHECK(runtime_sandbox_alive(again));

    /* The same sandbox.json, and a supervisor.pid naming a live process that is not a supervisor. */
    char fake[300], path[400], *json = NULL, pid[32];
    snprintf(fake, sizeof fake, "%s/fake", f.dir);
    CHECK(mkdir(fake, 0700) == 0);
    snprintf(path, sizeof path, "%s/sandbox.json", f.state_dir);
    CHECK_INT_EQ(runtime_read_file(path, 65536, &json, &err), 0);
    snprintf(path, sizeof path, "%s/sandbox.json", fake);
    CHECK_INT_EQ(runtime_write_file(path, json, &err), 0);
    free(json);
    snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    snprintf(path, sizeof path, "%s/supervisor.pid", fake);
    CHECK_INT_EQ(runtime_write_file(path, pid, &err), 0);
    struct runtime_sandbox *impostor = NULL;
    CHECK_INT_EQ(runtime_sandbox_open(fake, &impostor, &err), 0);
    CHECK_INT_EQ(impostor->supervisor_pidfd, -1);
    CHECK(!runtime_sandbox_alive(impostor));
    runtime_sandbox_free(impostor);

    /* Killed, it is seen dead at once through the pidfd, by both handles. */
    CHECK(kill(f.sandbox->supervisor_pid, SIGKILL) == 0);
    CHECK(waitpid(f.sandbox->supervisor_pid, NULL, 0) == f.sandbox->supervisor_pid);
    CHECK(!runtime_sandbox_alive(f.sandbox));
    CHECK(!runtime_sandbox_alive(again));
    runtime_sandbox_free(again);
    fixture_remove(&f);
}

/* The process in the container's own cgroup (the one a prepared container waits in); 0 if none. */
static pid_t container_process(struct pod_fixture *f, const char *name)
{
    const struct runtime_cgroup_manager *m;
    husk_error err = {0};
    CHECK(runtime_cgroup_manager_get(&m, &err) == 0);
    char path[700];
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s%s/%s/cgroup.procs", m == &runtime_cgroup_v1 ? "pids/" : "",
             f->sandbox->cgroup_path, name);
    cleanup_free char *text = NULL;
    if (runtime_read_file(path, 4096, &text, &err) < 0)
        return 0;
    return (pid_t)strtol(text, NULL, 10);
}

/* The process of a prepared container, once it is in its cgroup (up to 2 s); 0 if none came. */
static pid_t prepared_process(struct pod_fixture *f, const char *name)
{
    pid_t pid = 0;
    for (int i = 0; i < 200 && pid == 0; i++) {
        usleep(10000);
        pid = container_process(f, name);
    }
    return pid;
}

static enum runtime_container_state state_of(struct pod_fixture *f, const char *name)
{
    struct runtime_container_status st;
    husk_error err = {0};
    CHECK(runtime_container_status(f->sandbox, name, &st, &err) == 0);
    return st.state;
}

/* A prepared container's process is there, set up, and runs nothing until the start; one removed before
 * it starts goes with its process and cgroup; one whose set-up failed reports that at its start. */
TEST_WITH_TIMEOUT(runtime_prepared_container_runs_only_once_started, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    husk_error err = {0};
    const char *const app_argv[] = {"sh", "-c", "echo ran", NULL};
    struct runtime_container_config app = fixture_container(&f, "app", app_argv);
    CHECK(runtime_container_create(f.sandbox, &app, &err) == 0);
    CHECK(runtime_container_prepare(f.sandbox, "app", &err) == 0);
    pid_t held = prepared_process(&f, "app");
    CHECK(held > 0 && fixture_pid_alive(held));
    usleep(200000);
    CHECK_INT_EQ(state_of(&f, "app"), RUNTIME_CONTAINER_CREATED);
    /* Not to be taken for the pod's supervisor (ps, pgrep -f husk-supervisor). */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)held);
    cleanup_free char *cmdline = NULL;
    CHECK(runtime_read_file(path, 8192, &cmdline, &err) == 0);
    CHECK(strncmp(cmdline, "husk-prepared ", 14) == 0 && strstr(cmdline, "husk-supervisor") == NULL);
    char log[512];
    snprintf(log, sizeof log, "%s/app.log", f.state_dir);
    CHECK(access(log, F_OK) < 0); /* not a line yet: it has not run */
    CHECK(runtime_container_start(f.sandbox, "app", &err) == 0);
    struct runtime_container_status st = fixture_wait(&f, "app");
    CHECK_INT_EQ(st.exit_code, 0);
    CHECK_INT_EQ(st.pid, held); /* the process made ready is the one that ran */
    cleanup_free char *text = fixture_log(&f, "app");
    CHECK_STR_CONTAINS(text, "ran");

    struct runtime_container_config dropped = fixture_container(&f, "dropped", sleeper_argv);
    CHECK(runtime_container_create(f.sandbox, &dropped, &err) == 0);
    CHECK(runtime_container_prepare(f.sandbox, "dropped", &err) == 0);
    held = prepared_process(&f, "dropped");
    CHECK(held > 0);
    CHECK(runtime_container_remove(f.sandbox, "dropped", &err) == 0);
    for (int i = 0; i < 200 && fixture_pid_alive(held); i++)
        usleep(10000);
    CHECK(!fixture_pid_alive(held));
    CHECK(runtime_container_status(f.sandbox, "dropped", &st, &err) < 0);

    struct runtime_container_config lost = fixture_container(&f, "lost", sleeper_argv);
    lost.cwd = "/no/such/dir";
    CHECK(runtime_container_create(f.sandbox, &lost, &err) == 0);
    CHECK(runtime_container_prepare(f.sandbox, "lost", &err) == 0);
    CHECK(runtime_container_start(f.sandbox, "lost", &err) < 0);
    CHECK_STR_CONTAINS(err.message, "/no/such/dir");
    st = fixture_wait(&f, "lost");
    CHECK_STR_EQ(st.reason, "StartError");
    fixture_remove(&f);
}

/* A container left by a run its caller did not record (a daemon killed between the start and its record):
 * creating it again ends the old process and makes it afresh, so one instance runs. */
TEST_WITH_TIMEOUT(runtime_create_over_an_unrecorded_container_replaces_it, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    husk_error err = {0};
    struct runtime_container_config c = fixture_container(&f, "again", sleeper_argv);
    fixture_run(&f, &c);
    struct runtime_container_status st;
    CHECK(runtime_container_status(f.sandbox, "again", &st, &err) == 0);
    pid_t old = st.pid;
    CHECK(fixture_pid_alive(old));
    CHECK(runtime_container_create(f.sandbox, &c, &err) == 0);
    for (int i = 0; i < 200 && fixture_pid_alive(old); i++)
        usleep(10000);
    CHECK(!fixture_pid_alive(old));
    CHECK(runtime_container_start(f.sandbox, "again", &err) == 0);
    CHECK(runtime_container_status(f.sandbox, "again", &st, &err) == 0);
    CHECK_INT_EQ(st.state, RUNTIME_CONTAINER_RUNNING);
    CHECK(st.pid != old && fixture_pid_alive(st.pid));
    fixture_remove(&f);
}
