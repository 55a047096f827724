/* Pods end to end through the runtime API: a real supervisor, real namespaces, overlayfs and cgroups,
 * with a busybox root. Each test removes its pod and checks that nothing of it is left. */
#include "runtime_fixture.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/vfs.h>

TEST_WITH_TIMEOUT(runtime_pod_runs_a_container_and_records_its_exit, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    const char *const ok_argv[] = {"sh", "-c", "echo hello; echo oops >&2; printf partial", NULL};
    struct runtime_container_config c = fixture_container(&f, "hello", ok_argv);
    fixture_run(&f, &c);
    const char *const fail_argv[] = {"sh", "-c", "exit 3", NULL};
    struct runtime_container_config c2 = fixture_container(&f, "fails", fail_argv);
    fixture_run(&f, &c2);

    struct runtime_container_status st = fixture_wait(&f, "hello");
    CHECK_INT_EQ(st.exit_code, 0);
    CHECK_STR_EQ(st.reason, "Completed");
    CHECK(st.started_at_ns > 0 && st.finished_at_ns >= st.started_at_ns);
    st = fixture_wait(&f, "fails");
    CHECK_INT_EQ(st.exit_code, 3);
    CHECK_STR_EQ(st.reason, "Error");

    cleanup_free char *log = fixture_log(&f, "hello");
    CHECK_STR_CONTAINS(log, " stdout F hello\n");
    CHECK_STR_CONTAINS(log, " stderr F oops\n");
    CHECK_STR_CONTAINS(log, " stdout P partial\n");
    /* 2016-10-06T00:17:09.669794202Z: a 30-character RFC 3339 timestamp with nanoseconds. */
    CHECK(strlen(log) > 31 && log[4] == '-' && log[10] == 'T' && log[19] == '.' && log[29] == 'Z' &&
          log[30] == ' ');
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pod_containers_share_network_uts_ipc_and_volumes, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    char volume[512];
    snprintf(volume, sizeof volume, "%s/volume", f.dir);
    CHECK(mkdir(volume, 0777) == 0);
    struct runtime_mount mount = {.source = volume, .destination = "/data"};

    const char *const server_argv[] = {
        "sh", "-c",
        "hostname > /data/server-hostname; echo shm > /dev/shm/marker; echo written > /data/file; "
        /* The server reads before it answers: with `echo pong | nc -l` it half-closed at once, and a client
         * whose `echo ping` came late took the FIN and left without sending. */
        "nc -l -p 8080 -e sh -c 'read line; echo \"$line\" >&2; echo pong'",
        NULL};
    struct runtime_container_config server = fixture_container(&f, "server", server_argv);
    server.mounts = &mount;
    server.mount_count = 1;
    fixture_run(&f, &server);
    const char *const client_argv[] = {
        "sh", "-c",
        "for i in $(seq 50); do [ -f /dev/shm/marker ] && [ -f /data/file ] && break; sleep 0.1; done; "
        "hostname; cat /data/server-hostname /dev/shm/marker /data/file; "
        "for i in $(seq 50); do echo ping | nc 127.0.0.1 8080 && break; sleep 0.1; done",
        NULL};
    struct runtime_container_config client = fixture_container(&f, "client", client_argv);
    client.mounts = &mount;
    client.mount_count = 1;
    fixture_run(&f, &client);

    struct runtime_container_status st = fixture_wait(&f, "client");
    CHECK_INT_EQ(st.exit_code, 0);
    st = fixture_wait(&f, "server");
    CHECK_INT_EQ(st.exit_code, 0);
    cleanup_free char *log = fixture_log(&f, "client");
    CHECK_STR_CONTAINS(log, "stdout F testpod\n");
    CHECK_STR_CONTAINS(log, "stdout F shm\n");
    CHECK_STR_CONTAINS(log, "stdout F written\n");
    CHECK_STR_CONTAINS(log, "stdout F pong\n");
    cleanup_free char *server_log = fixture_log(&f, "server");
    CHECK_STR_CONTAINS(server_log, "stderr F ping\n");
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pod_memory_limit_gives_oomkilled_137, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    /* A shell variable doubled until it no longer fits in 32 MiB. */
    const char *const argv[] = {"sh", "-c", "x=0123456789abcdef; while true; do x=$x$x; done", NULL};
    struct runtime_container_config c = fixture_container(&f, "hog", argv);
    c.resources.memory_limit_bytes = 32 << 20;
    fixture_run(&f, &c);
    struct runtime_container_status st = fixture_wait(&f, "hog");
    CHECK_INT_EQ(st.exit_code, 137);
    CHECK(st.oom_killed);
    CHECK_STR_EQ(st.reason, "OOMKilled");
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pod_container_sees_only_its_own_world, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    const char *const argv[] = {
        "sh", "-c",
        "sleep 1 & echo fds: $(ls /proc/$!/fd); echo pid=$$; cat /etc/hosts; "
        "grep -E '^(CapInh|CapEff|NoNewPrivs|Seccomp):' /proc/self/status; id -u; "
        "touch /ro 2>/dev/null || echo rofs; echo dev: $(ls /dev); echo firmware: $(ls /sys/firmware); "
        "grep -o ' /proc/sys ro,' /proc/self/mountinfo",
        NULL};
    struct runtime_container_config c = fixture_container(&f, "look", argv);
    c.uid = 65534;
    c.gid = 65534;
    c.no_new_privs = true;
    c.read_only_root = true;
    fixture_run(&f, &c);
    struct runtime_container_status st = fixture_wait(&f, "look");
    cleanup_free char *log = fixture_log(&f, "look");
    CHECK_INT_EQ(st.exit_code, 0);
    /* CVE-2024-21626: only stdio reaches the container. */
    CHECK_STR_CONTAINS(log, "stdout F fds: 0 1 2\n");
    CHECK_STR_CONTAINS(log, "stdout F pid=1\n");
    CHECK_STR_CONTAINS(log, "127.0.0.1 localhost testpod");
    CHECK_STR_CONTAINS(log, "CapInh:\t0000000000000000");
    CHECK_STR_CONTAINS(log, "CapEff:\t0000000000000000");
    CHECK_STR_CONTAINS(log, "NoNewPrivs:\t1");
    CHECK_STR_CONTAINS(log, "Seccomp:\t2");
    CHECK_STR_CONTAINS(log, "stdout F 65534\n");
    CHECK_STR_CONTAINS(log, "stdout F rofs\n");
    CHECK_STR_CONTAINS(
        log, "dev: core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero\n");
    /* runc's masked and read-only paths. */
    CHECK_STR_CONTAINS(log, "stdout F firmware:\n");
    CHECK_STR_CONTAINS(log, "stdout F  /proc/sys ro,\n");
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pod_host_network_privileged_and_tmpfs, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    struct runtime_sandbox_config sc = {.host_network = true, .host_ipc = true};
    fixture_pod_with(&f, &sc);
    struct runtime_mount scratch = {.destination = "/scratch", .tmpfs = true, .tmpfs_size_bytes = 1 << 20};
    const char *const argv[] = {
        "sh", "-c",
        "hostname; grep -E '^(CapEff|Seccomp):' /proc/self/status; "
        "grep -o ' /scratch [^ ]* .*size=1024k' /proc/self/mountinfo >/dev/null && echo sized",
        NULL};
    struct runtime_container_config c = fixture_container(&f, "priv", argv);
    c.privileged = true;
    c.mounts = &scratch;
    c.mount_count = 1;
    fixture_run(&f, &c);
    struct runtime_container_status st = fixture_wait(&f, "priv");
    CHECK_INT_EQ(st.exit_code, 0);
    cleanup_free char *log = fixture_log(&f, "priv");
    char host[256] = "", line[300];
    CHECK(gethostname(host, sizeof host) == 0);
    snprintf(line, sizeof line, "stdout F %s\n", host);
    CHECK_STR_CONTAINS(log, line);
    /* Privileged: every capability husk holds itself, no seccomp filter. */
    cleanup_free char *status = NULL;
    husk_error err = {0};
    CHECK(runtime_read_file("/proc/self/status", 1 << 16, &status, &err) == 0);
    char *eff = strstr(status, "CapEff:");
    CHECK(eff != NULL);
    eff[strcspn(eff, "\n")] = '\0';
    CHECK_STR_CONTAINS(log, eff);
    CHECK_STR_CONTAINS(log, "Seccomp:\t0");
    CHECK_STR_CONTAINS(log, "stdout F sized\n");
    fixture_remove(&f);
}

/* A whole pod through the v2 backend: on this hybrid host, in a private mount namespace where the
 * (controller-less) unified hierarchy is mounted over /sys/fs/cgroup; the supervisor inherits it. */
TEST_WITH_TIMEOUT(runtime_pod_on_cgroup_v2, 60)
{
    REQUIRE_ROOT();
    struct statfs fs;
    if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
        return; /* a pure v2 host: every other test ran on v2 */
    CHECK(unshare(CLONE_NEWNS) == 0);
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    if (mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0)
        SKIP("no cgroup2 filesystem");
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    const char *const argv[] = {"sh", "-c", "cat /proc/self/cgroup; exit 4", NULL};
    struct runtime_container_config c = fixture_container(&f, "v2", argv);
    fixture_run(&f, &c);
    struct runtime_container_status st = fixture_wait(&f, "v2");
    CHECK_INT_EQ(st.exit_code, 4);
    cleanup_free char *log = fixture_log(&f, "v2");
    char expected[256];
    snprintf(expected, sizeof expected, "0::/%s/pod-%s/v2\n", f.cgroup_parent, f.pod_uid);
    CHECK_STR_CONTAINS(log, expected);
    fixture_remove(&f);
}

/* How many fds of pid refer to the mount namespace of which (a link "mnt:[INODE]"). */
static int fds_on_namespace(pid_t pid, const char *which)
{
    char dir[64], path[320], link[128];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        ssize_t len = readlink(path, link, sizeof link - 1);
        if (len > 0) {
            link[len] = '\0';
            n += strcmp(link, which) == 0;
        }
    }
    if (d != NULL)
        closedir(d);
    return n;
}

/* The supervisor holds a container's mount namespace (so the kernel need not tear it down before it
 * reports the exit) and lets go of it soon after the container exited. */
TEST_WITH_TIMEOUT(runtime_pod_holds_a_container_namespace_until_after_its_exit, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    fixture_pod(&f);
    const char *const argv[] = {"sleep", "3600", NULL};
    struct runtime_container_config c = fixture_container(&f, "held", argv);
    fixture_run(&f, &c);
    struct runtime_container_status st;
    husk_error err = {0};
    CHECK(runtime_container_status(f.sandbox, "held", &st, &err) == 0 && st.pid > 0);
    char path[64], ns[128];
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)st.pid);
    ssize_t len = readlink(path, ns, sizeof ns - 1);
    CHECK(len > 0);
    ns[len] = '\0';
    pid_t supervisor = f.sandbox->supervisor_pid;
    CHECK_INT_EQ(fds_on_namespace(supervisor, ns), 1);
    CHECK(runtime_container_kill(f.sandbox, "held", SIGKILL, &err) == 0);
    st = fixture_wait(&f, "held");
    CHECK_INT_EQ(st.exit_code, 137);
    int held = 1;
    for (int i = 0; i < 100 && (held = fds_on_namespace(supervisor, ns)) > 0; i++)
        usleep(20000);
    CHECK_INT_EQ(held, 0);
    fixture_remove(&f);
}
