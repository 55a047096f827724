/* Spare sandboxes (runtime_sandbox_pool_*): a pod takes a spare that runs already, which becomes wholly
 * its own (state dir, cgroup, hostname, command line); pods that share a host namespace do not; a dead
 * spare is replaced by a fresh sandbox; pods one after another each take one (the next is made once the
 * last pod started, and waited for); empty dirs made ahead are handed out for pods' and logs' dirs; a pool
 * removes what an earlier one left, and its own when freed. */
#include "runtime_fixture.h"

#include <dirent.h>
#include <sys/stat.h>

/* The path of a spare's dir under pool_dir, made or being made; false when there is none. */
static bool spare_dir(const char *pool_dir, char *out, size_t size)
{
    DIR *d = opendir(pool_dir);
    bool found = false;
    for (struct dirent *de; d != NULL && !found && (de = readdir(d)) != NULL;)
        if (strncmp(de->d_name, "spare-", 6) == 0) {
            found = (size_t)snprintf(out, size, "%s/%s", pool_dir, de->d_name) < size;
        }
    if (d != NULL)
        closedir(d);
    return found;
}

/* How many empty dirs the pool under pool_dir has made ahead; their inode numbers in inodes (up to n). */
static int made_dirs(const char *pool_dir, ino_t *inodes, int n)
{
    DIR *d = opendir(pool_dir);
    int count = 0;
    for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;)
        if (strncmp(de->d_name, "dir-", 4) == 0) {
            if (count < n)
                inodes[count] = de->d_ino;
            count++;
        }
    if (d != NULL)
        closedir(d);
    return count;
}

/* The PID of the one spare under pool_dir, once it is ready (0 if none came within 10 s). */
static pid_t spare_pid(struct runtime_sandbox_pool *pool, const char *pool_dir)
{
    for (int i = 0; i < 1000 && pool != NULL && runtime_sandbox_pool_ready(pool) < 1; i++)
        usleep(10000);
    char dir[700], path[800];
    if (!spare_dir(pool_dir, dir, sizeof dir))
        return 0;
    snprintf(path, sizeof path, "%s/supervisor.pid", dir);
    cleanup_free char *text = NULL;
    husk_error err = {0};
    return runtime_read_file(path, 64, &text, &err) == 0 ? (pid_t)strtol(text, NULL, 10) : 0;
}

static char *read_proc(pid_t pid, const char *file)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    char *text = NULL;
    husk_error err = {0};
    if (runtime_read_file(path, 65536, &text, &err) < 0)
        return NULL;
    return text;
}

/* The spare cgroups left under the fixture's cgroup parent (pids hierarchy on v1). */
static int spare_cgroups(const struct pod_fixture *f)
{
    char path[512];
    snprintf(path, sizeof path, "/sys/fs/cgroup/pids/%s", f->cgroup_parent);
    DIR *d = opendir(path);
    int n = 0;
    for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;)
        n += strncmp(de->d_name, "spare-", 6) == 0;
    if (d != NULL)
        closedir(d);
    return n;
}

static struct runtime_sandbox_pool *new_pool(const struct pod_fixture *f, char *dir, size_t size, int spares)
{
    snprintf(dir, size, "%s/pool", f->dir);
    struct runtime_sandbox_pool *pool = NULL;
    husk_error err = {0};
    if (runtime_sandbox_pool_new(dir, f->cgroup_parent, spares, &pool, &err) < 0) {
        fprintf(stderr, "# %s\n", err.message);
        CHECK(0);
    }
    return pool;
}

/* Frees the pool, once it has made its next spare, and checks that no spare's cgroup is left. */
static void free_pool(const struct pod_fixture *f, struct runtime_sandbox_pool *pool, const char *pool_dir)
{
    pid_t next = spare_pid(pool, pool_dir);
    runtime_sandbox_pool_free(pool);
    waitpid(next, NULL, 0);
    CHECK_INT_EQ(spare_cgroups(f), 0);
}

static bool on_cgroup_v1(void)
{
    const struct runtime_cgroup_manager *m;
    husk_error err = {0};
    return runtime_cgroup_manager_get(&m, &err) == 0 && m == &runtime_cgroup_v1;
}

/* The fixture, and a pool of one spare, once it is ready (its PID in ret_spare). */
static struct runtime_sandbox_pool *pool_with_a_spare(struct pod_fixture *f, char *dir, size_t size,
                                                      pid_t *ret_spare)
{
    fixture_init(f);
    if (!on_cgroup_v1())
        SKIP("spares need cgroup v1 (cgroup2 cannot rename a cgroup)");
    struct runtime_sandbox_pool *pool = new_pool(f, dir, size, 1);
    *ret_spare = spare_pid(pool, dir);
    CHECK(*ret_spare > 0);
    return pool;
}

TEST_WITH_TIMEOUT(runtime_pool_gives_a_pod_a_spare_that_becomes_its_own, 60)
{
    struct pod_fixture f = {0};
    char pool_dir[400];
    pid_t spare;
    struct runtime_sandbox_pool *pool = pool_with_a_spare(&f, pool_dir, sizeof pool_dir, &spare);

    struct runtime_sandbox_config c = {.hostname = "adopted",
                                       .etc_hostname = "adopted\n",
                                       .etc_hosts = "127.0.0.1 localhost adopted\n",
                                       .resources = {.pids_limit = 77},
                                       .pool = pool};
    fixture_pod_with(&f, &c);
    CHECK_INT_EQ(f.sandbox->supervisor_pid, spare);
    CHECK_STR_EQ(f.sandbox->state_dir, f.state_dir);
    /* Its command line names the pod's state dir, as a supervisor started for the pod does. */
    cleanup_free char *cmdline = read_proc(spare, "cmdline");
    CHECK(cmdline != NULL && strcmp(cmdline + strlen(cmdline) + 1, f.state_dir) == 0);
    /* Its cgroup is the pod's, with the pod's limits. */
    cleanup_free char *cgroup = read_proc(spare, "cgroup");
    char expected[300];
    snprintf(expected, sizeof expected, ":pids:/%s/pod-%s/supervisor\n", f.cgroup_parent, f.pod_uid);
    CHECK_STR_CONTAINS(cgroup, expected);
    char pids_max[512];
    snprintf(pids_max, sizeof pids_max, "/sys/fs/cgroup/pids/%s/pod-%s/pids.max", f.cgroup_parent, f.pod_uid);
    cleanup_free char *limit = NULL;
    husk_error err = {0};
    CHECK(runtime_read_file(pids_max, 64, &limit, &err) == 0);
    CHECK_STR_EQ(limit, "77\n");

    const char *const argv[] = {"sh", "-c", "hostname; cat /etc/hostname; test -d /dev/shm", NULL};
    struct runtime_container_config ctr = fixture_container(&f, "c", argv);
    fixture_run(&f, &ctr);
    struct runtime_container_status st = fixture_wait(&f, "c");
    CHECK_INT_EQ(st.exit_code, 0);
    cleanup_free char *log = fixture_log(&f, "c");
    CHECK_STR_CONTAINS(log, "stdout F adopted\n");

    /* The pool makes a new spare in its place. */
    pid_t next = spare_pid(pool, pool_dir);
    CHECK(next > 0 && next != spare);
    runtime_sandbox_pool_free(pool);
    waitpid(next, NULL, 0);
    CHECK(!fixture_pid_alive(next));
    CHECK(access(pool_dir, F_OK) < 0);
    CHECK_INT_EQ(spare_cgroups(&f), 0);
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pool_spares_are_not_for_host_namespaces_and_dead_ones_are_replaced, 60)
{
    struct pod_fixture f = {0};
    char pool_dir[400];
    pid_t spare;
    struct runtime_sandbox_pool *pool = pool_with_a_spare(&f, pool_dir, sizeof pool_dir, &spare);

    struct runtime_sandbox_config host = {.hostname = "host", .host_network = true, .pool = pool};
    fixture_pod_with(&f, &host);
    CHECK(f.sandbox->supervisor_pid != spare);
    CHECK_INT_EQ(runtime_sandbox_pool_ready(pool), 1);
    husk_error err = {0};
    CHECK(runtime_sandbox_remove(f.sandbox, &err) == 0);
    runtime_sandbox_free(f.sandbox);

    /* A spare that died waiting: the pod gets a sandbox of its own, and nothing of the spare is left. */
    CHECK(kill(spare, SIGKILL) == 0);
    waitpid(spare, NULL, 0);
    struct runtime_sandbox_config c = {.hostname = "fresh", .pool = pool};
    fixture_pod_with(&f, &c);
    CHECK(f.sandbox->supervisor_pid != spare && fixture_pid_alive(f.sandbox->supervisor_pid));
    free_pool(&f, pool, pool_dir);
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pool_removes_what_an_earlier_pool_left, 60)
{
    struct pod_fixture f = {0};
    fixture_init(&f);
    if (!on_cgroup_v1())
        SKIP("spares need cgroup v1 (cgroup2 cannot rename a cgroup)");
    char pool_dir[400];
    snprintf(pool_dir, sizeof pool_dir, "%s/pool", f.dir);
    /* A daemon that dies with a spare ready: a child that makes a pool and exits without freeing it. */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        struct runtime_sandbox_pool *pool = NULL;
        husk_error err = {0};
        if (runtime_sandbox_pool_new(pool_dir, f.cgroup_parent, 1, &pool, &err) < 0)
            _exit(1);
        _exit(spare_pid(pool, pool_dir) > 0 ? 0 : 2);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pid_t left = spare_pid(NULL, pool_dir);
    CHECK(left > 0 && fixture_pid_alive(left));
    CHECK_INT_EQ(spare_cgroups(&f), 1);
    CHECK_INT_EQ(made_dirs(pool_dir, NULL, 0), 2);

    struct runtime_sandbox_pool *pool = new_pool(&f, pool_dir, sizeof pool_dir, 0);
    waitpid(left, NULL, 0);
    CHECK(!fixture_pid_alive(left));
    CHECK_INT_EQ(spare_cgroups(&f), 0);
    CHECK_INT_EQ(runtime_sandbox_pool_ready(pool), 0);
    runtime_sandbox_pool_free(pool);
    CHECK(access(pool_dir, F_OK) < 0);
    fixture_pod(&f);
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pool_pods_one_after_another_each_take_a_spare, 60)
{
    struct pod_fixture f = {0};
    char pool_dir[400];
    pid_t spare;
    struct runtime_sandbox_pool *pool = pool_with_a_spare(&f, pool_dir, sizeof pool_dir, &spare);
    struct runtime_sandbox_config a = {.hostname = "first", .pool = pool};
    fixture_pod_with(&f, &a);
    CHECK_INT_EQ(f.sandbox->supervisor_pid, spare);
    husk_error err = {0};
    CHECK(runtime_sandbox_remove(f.sandbox, &err) == 0);
    runtime_sandbox_free(f.sandbox);

    /* The first pod has started its containers: the next spare is made now, and a pod that comes while it
     * is made waits for it (up to 20 ms) rather than making a sandbox of its own. The pod comes once the
     * spare's supervisor listens: what is left to make then takes a few ms even in a sanitizer build on a
     * busy machine, where the supervisor's start alone can take longer than the wait. */
    runtime_sandbox_pool_settled(pool);
    char making[700], sock[800];
    bool seen = false;
    for (int i = 0; i < 10000 && !seen; i++) {
        seen = spare_dir(pool_dir, making, sizeof making) &&
               (snprintf(sock, sizeof sock, "%s/supervisor.sock", making), access(sock, F_OK) == 0);
        if (!seen)
            usleep(200);
    }
    CHECK(seen);
    struct runtime_sandbox_config b = {.hostname = "second", .pool = pool};
    fixture_pod_with(&f, &b);
    CHECK(access(making, F_OK) < 0); /* renamed: it is the second pod's */
    CHECK(fixture_pid_alive(f.sandbox->supervisor_pid));
    cleanup_free char *cmdline = read_proc(f.sandbox->supervisor_pid, "cmdline");
    CHECK(cmdline != NULL && strcmp(cmdline + strlen(cmdline) + 1, f.state_dir) == 0);
    free_pool(&f, pool, pool_dir);
    fixture_remove(&f);
}

TEST_WITH_TIMEOUT(runtime_pool_hands_out_dirs_made_ahead, 60)
{
    struct pod_fixture f = {0};
    char pool_dir[400];
    pid_t spare;
    struct runtime_sandbox_pool *pool = pool_with_a_spare(&f, pool_dir, sizeof pool_dir, &spare);
    /* Two per spare (a pod's dir and its log dir), made before the spare. */
    ino_t made[2];
    CHECK_INT_EQ(made_dirs(pool_dir, made, 2), 2);

    char path[600], other[600];
    snprintf(path, sizeof path, "%s/pod-dir", f.dir);
    CHECK(runtime_sandbox_pool_take_dir(pool, path, 0755) == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_INT_EQ(st.st_mode & 07777, 0755);
    CHECK(st.st_ino == made[0] || st.st_ino == made[1]); /* one of those, renamed */
    ino_t left[4];
    int n = made_dirs(pool_dir, left, 4); /* the other (and, 50 ms on, one made in its place) */
    CHECK(n >= 1);
    for (int i = 0; i < n && i < 4; i++)
        CHECK(left[i] != st.st_ino);

    /* A dir there already is left as it is (EEXIST, as mkdir), and the pool keeps its own. */
    CHECK(runtime_sandbox_pool_take_dir(pool, path, 0700) < 0 && errno == EEXIST);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0755);
    ino_t after[8];
    int m = made_dirs(pool_dir, after, 8);
    for (int i = 0; i < n && i < 4; i++) {
        bool kept = false;
        for (int j = 0; j < m && j < 8; j++)
            kept = kept || after[j] == left[i];
        CHECK(kept);
    }
    /* With no pool, a plain mkdir. */
    snprintf(other, sizeof other, "%s/no-pool", f.dir);
    CHECK(runtime_sandbox_pool_take_dir(NULL, other, 0700) == 0);
    CHECK(stat(other, &st) == 0 && S_ISDIR(st.st_mode));

    /* Freed, the pool removes the dirs it kept. */
    runtime_sandbox_pool_free(pool);
    waitpid(spare, NULL, 0);
    CHECK(access(pool_dir, F_OK) < 0);
    CHECK(rmdir(path) == 0 && rmdir(other) == 0);
    fixture_pod(&f);
    fixture_remove(&f);
}

/* A spare holds two container dirs made ahead (containers/.ahead-N, with rootfs, upper and work) and two
 * container cgroups (.ahead-N in each hierarchy): the pod's first two containers take them by a rename,
 * the third makes its own; each runs all the same. */
TEST_WITH_TIMEOUT(runtime_pool_spare_has_container_dirs_made_ahead, 60)
{
    struct pod_fixture f = {0};
    char pool_dir[400], spare[600], path[800];
    pid_t pid;
    struct runtime_sandbox_pool *pool = pool_with_a_spare(&f, pool_dir, sizeof pool_dir, &pid);
    CHECK(spare_dir(pool_dir, spare, sizeof spare));
    ino_t ahead[2], ahead_cgroup[2];
    for (int n = 0; n < 2; n++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/containers/.ahead-%d", spare, n);
        CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
        ahead[n] = st.st_ino;
        snprintf(path, sizeof path, "%s/containers/.ahead-%d/upper", spare, n);
        CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
        /* And a container cgroup (v1: this test runs there alone), in each of the spare's hierarchies. */
        static const char *const hierarchies[] = {"memory", "cpu", "cpuacct", "pids"};
        for (size_t h = 0; h < 4; h++) {
            snprintf(path, sizeof path, "/sys/fs/cgroup/%s/%s/%s/.ahead-%d", hierarchies[h], f.cgroup_parent,
                     strrchr(spare, '/') + 1, n);
            CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
        }
        ahead_cgroup[n] = st.st_ino; /* the pids hierarchy's, the last one stat'd */
    }
    struct runtime_sandbox_config c = {.hostname = "ahead", .pool = pool};
    fixture_pod_with(&f, &c);
    CHECK_INT_EQ(f.sandbox->supervisor_pid, pid);
    static const char *const names[] = {"first", "second", "third"};
    for (int i = 0; i < 3; i++) {
        const char *const argv[] = {"sh", "-c", "echo hi > /x && cat /x", NULL};
        struct runtime_container_config ctr = fixture_container(&f, names[i], argv);
        fixture_run(&f, &ctr);
        struct runtime_container_status st = fixture_wait(&f, names[i]);
        CHECK_INT_EQ(st.exit_code, 0);
        cleanup_free char *log = fixture_log(&f, names[i]);
        CHECK_STR_CONTAINS(log, "stdout F hi\n");
        struct stat dir;
        snprintf(path, sizeof path, "%s/containers/%s", f.state_dir, names[i]);
        CHECK(stat(path, &dir) == 0 && (dir.st_mode & 07777) == 0700);
        struct stat cgroup;
        snprintf(path, sizeof path, "/sys/fs/cgroup/pids/%s/pod-%s/%s", f.cgroup_parent, f.pod_uid, names[i]);
        CHECK(stat(path, &cgroup) == 0);
        if (i < 2) {
            CHECK(dir.st_ino == ahead[0] || dir.st_ino == ahead[1]);
            CHECK(cgroup.st_ino == ahead_cgroup[0] || cgroup.st_ino == ahead_cgroup[1]);
        } else {
            CHECK(dir.st_ino != ahead[0] && dir.st_ino != ahead[1]);
            CHECK(cgroup.st_ino != ahead_cgroup[0] && cgroup.st_ino != ahead_cgroup[1]);
        }
        snprintf(path, sizeof path, "%s/containers/.ahead-%d", f.state_dir, i);
        CHECK(access(path, F_OK) < 0);
        snprintf(path, sizeof path, "/sys/fs/cgroup/pids/%s/pod-%s/.ahead-%d", f.cgroup_parent, f.pod_uid, i);
        CHECK(access(path, F_OK) < 0);
    }
    runtime_sandbox_pool_free(pool);
    fixture_remove(&f);
}
