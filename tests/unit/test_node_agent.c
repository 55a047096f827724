/* The node agent running real pods (src/node): the busybox test image loaded into a store in a temp dir,
 * real sandboxes, namespaces and cgroups. Needs root, the test images (HUSK_TEST_IMAGES) and the
 * supervisor (HUSK_SUPERVISOR), which tests/run.sh provides. */
#include "harness.h"
#include "node_fixture.h"
#include "image/archive.h"
#include "node/agent.h"
#include "objects/decode.h"
#include "objects/defaults.h"
#include "objects/pod.h"

#include <fcntl.h>
#include <glob.h>
#include <linux/fs.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

/* What the hooks saw, shared with the worker threads. */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *last_status;
static char events[16384];
static bool gone;

static void on_status(void *data, const json_t *pod, const json_t *status)
{
    (void)data;
    (void)pod;
    pthread_mutex_lock(&seen_lock);
    json_decref(last_status);
    last_status = json_deep_copy(status);
    pthread_mutex_unlock(&seen_lock);
}

static void on_event(void *data, const json_t *pod, const char *type, const char *reason,
                     const char *field_path, const char *message)
{
    (void)data;
    (void)pod;
    (void)type;
    pthread_mutex_lock(&seen_lock);
    size_t len = strlen(events);
    snprintf(events + len, sizeof events - len, "%s %s %s\n", reason, field_path ? field_path : "-", message);
    pthread_mutex_unlock(&seen_lock);
}

static void on_gone(void *data, const json_t *pod, const json_t *status)
{
    (void)data;
    (void)pod;
    (void)status;
    pthread_mutex_lock(&seen_lock);
    gone = true;
    pthread_mutex_unlock(&seen_lock);
}

struct fixture {
    char dir[64];
    char cgroup_parent[64];
    struct image_store *store;
    struct node_agent *agent;
};

/* Kubernetes' real back-off periods, for the one test that checks them; the others shorten them. */
static bool real_backoff;

static void setup(struct fixture *f)
{
    REQUIRE_ROOT();
    const char *images = getenv("HUSK_TEST_IMAGES");
    char archive[4096];
    snprintf(archive, sizeof archive, "%s/busybox.oci.tar", images ? images : "build/test-images");
    if (access(archive, R_OK) != 0)
        SKIP("no test images (run scripts/build-test-images.sh, or tests/run.sh)");
    snprintf(f->dir, sizeof f->dir, "/tmp/husk-test-agent-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    snprintf(f->cgroup_parent, sizeof f->cgroup_parent, "husk-test-%d", (int)getpid());
    node_fixture_janitor(f->dir, f->cgroup_parent);
    husk_error err = {0};
    CHECK_INT_EQ(image_store_open(f->dir, &f->store, &err), 0);
    char **names = NULL;
    if (image_archive_load(f->store, archive, &names, &err) < 0) {
        fprintf(stderr, "# %s\n", err.message);
        CHECK(0);
    }
    for (size_t i = 0; names != NULL && names[i] != NULL; i++)
        free(names[i]);
    free(names);
    struct node_agent_config config = {
        .data_dir = f->dir,
        .cgroup_parent = f->cgroup_parent,
        .node_name = "test-node",
        .host_ip = "127.0.0.1",
        .images = f->store,
        .hooks = {.pod_status = on_status, .pod_event = on_event, .pod_gone = on_gone},
        .backoff = {.initial_ms = real_backoff ? 0 : 200, .max_ms = real_backoff ? 0 : 800},
    };
    CHECK_INT_EQ(node_agent_new(&config, &f->agent, &err), 0);
}

static void teardown(struct fixture *f)
{
    node_agent_free(f->agent);
    image_store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    CHECK(system(cmd) == 0);
    /* Nothing of the pods is left: their cgroups are gone, so the test's parent can go too. */
    char pattern[128];
    snprintf(pattern, sizeof pattern, "/sys/fs/cgroup/*/%s", f->cgroup_parent);
    glob_t found = {0};
    glob(pattern, 0, NULL, &found);
    for (size_t i = 0; i < found.gl_pathc; i++)
        CHECK(rmdir(found.gl_pathv[i]) == 0);
    globfree(&found);
    snprintf(pattern, sizeof pattern, "/sys/fs/cgroup/%s", f->cgroup_parent); /* a pure v2 host */
    CHECK(access(pattern, F_OK) != 0 || rmdir(pattern) == 0);
}

static json_t *pod_from_yaml(const char *yaml)
{
    struct objects_document_list docs = {0};
    husk_error err = {0};
    if (objects_decode(yaml, strlen(yaml), "test.yaml", &docs, &err) < 0) {
        fprintf(stderr, "# %s\n", err.message);
        _exit(1);
    }
    json_t *pod = json_incref(docs.items[0].object);
    objects_document_list_free(&docs);
    CHECK_INT_EQ(objects_default(pod, &err), 0);
    json_object_set_new(json_object_get(pod, "metadata"), "uid",
                        json_string("11111111-2222-3333-4444-555555555555"));
    return pod;
}

/* Waits up to seconds for the reported phase to be want; returns a copy of the status. */
static json_t *wait_phase(const char *want, int seconds)
{
    for (int i = 0; i < seconds * 20; i++) {
        pthread_mutex_lock(&seen_lock);
        const char *phase = objects_get_string(last_status, "phase");
        json_t *copy = phase != NULL && strcmp(phase, want) == 0 ? json_deep_copy(last_status) : NULL;
        pthread_mutex_unlock(&seen_lock);
        if (copy != NULL)
            return copy;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&seen_lock);
    char *dump = json_dumps(last_status, JSON_INDENT(1));
    fprintf(stderr, "# phase never became %s; last status: %s\n# events:\n%s", want, dump ? dump : "null",
            events);
    free(dump);
    pthread_mutex_unlock(&seen_lock);
    _exit(1);
}

static bool wait_gone(int seconds)
{
    for (int i = 0; i < seconds * 20; i++) {
        pthread_mutex_lock(&seen_lock);
        bool g = gone;
        pthread_mutex_unlock(&seen_lock);
        if (g)
            return true;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

static const char *SEED_POD = "apiVersion: v1\n"
                              "kind: Pod\n"
                              "metadata:\n  name: lumpy-koala\n  namespace: default\n"
                              "spec:\n"
                              "  initContainers:\n"
                              "  - name: init\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
                              "    command: ['sh', '-c', 'touch /workdir/calm.txt']\n"
                              "    volumeMounts:\n    - name: workdir\n      mountPath: /workdir\n"
                              "  containers:\n"
                              "  - name: app\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
                              "    command: ['sh', '-c', '[ -f /workdir/calm.txt ] && sleep 36000 || exit']\n"
                              "    volumeMounts:\n    - name: workdir\n      mountPath: /workdir\n"
                              "  volumes:\n  - name: workdir\n    emptyDir: {}\n";

/* DATA_DIR/pods and DATA_DIR/logs hold a directory per pod: where the file system has inode flags they
 * are tops of hierarchy, so that ext4 spreads the pods' inodes (see husk_mark_top_dir). */
TEST_WITH_TIMEOUT(agent_marks_its_pod_and_log_dirs_as_tops_of_hierarchy, 60)
{
    struct fixture f = {0};
    setup(&f);
    static const char *const subdirs[] = {"pods", "logs"};
    for (size_t i = 0; i < 2; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", f.dir, subdirs[i]);
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(fd >= 0);
        int flags = 0;
        if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0)
            CHECK((flags & FS_TOPDIR_FL) != 0);
        close(fd);
    }
    teardown(&f);
}

TEST_WITH_TIMEOUT(agent_runs_the_seed_pod_init_first_then_app, 60)
{
    struct fixture f = {0};
    setup(&f);
    json_t *pod = pod_from_yaml(SEED_POD);
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    json_t *status = wait_phase("Running", 30);
    json_t *init = json_array_get(json_object_get(status, "initContainerStatuses"), 0);
    json_t *app = json_array_get(json_object_get(status, "containerStatuses"), 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(
                     json_object_get(json_object_get(init, "state"), "terminated"), "exitCode")),
                 0);
    CHECK_STR_EQ(objects_get_string(json_object_get(json_object_get(init, "state"), "terminated"), "reason"),
                 "Completed");
    CHECK(json_object_get(json_object_get(app, "state"), "running") != NULL);
    CHECK(json_is_true(json_object_get(app, "ready")));
    CHECK_STR_CONTAINS(events, "Started spec.initContainers{init} Started container init");
    CHECK_STR_CONTAINS(events, "Started spec.containers{app} Started container app");
    /* The init container's file is what keeps the app running: it is still running a moment later. */
    sleep(1);
    json_decref(status);
    status = wait_phase("Running", 5);
    app = json_array_get(json_object_get(status, "containerStatuses"), 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(app, "restartCount")), 0);

    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 5);
    CHECK(wait_gone(20));
    char pod_dir[256];
    snprintf(pod_dir, sizeof pod_dir, "%s/pods/11111111-2222-3333-4444-555555555555", f.dir);
    CHECK(access(pod_dir, F_OK) != 0);
    json_decref(status);
    json_decref(pod);
    teardown(&f);
}

/* Processes of containers prepared ahead of their start (node_worker_prepare_apps) under dir. */
static int prepared_processes(const char *dir)
{
    glob_t g;
    int n = 0;
    if (glob("/proc/[0-9]*/cmdline", 0, NULL, &g) != 0)
        return 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char line[4096] = "";
        int fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC);
        ssize_t len = fd >= 0 ? read(fd, line, sizeof line - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (len > 0 && strncmp(line, "husk-prepared ", 14) == 0 && strstr(line, dir) != NULL)
            n++;
    }
    globfree(&g);
    return n;
}

TEST_WITH_TIMEOUT(agent_init_failure_with_restart_never_fails_the_pod, 60)
{
    struct fixture f = {0};
    setup(&f);
    json_t *pod = pod_from_yaml(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\n  namespace: default\n"
        "spec:\n  restartPolicy: Never\n  initContainers:\n  - name: init\n"
        "    image: busybox\n    imagePullPolicy: IfNotPresent\n    command: ['sh', '-c', 'exit 3']\n"
        "  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: IfNotPresent\n    command: "
        "['true']\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    json_t *status = wait_phase("Failed", 30);
    json_t *init = json_array_get(json_object_get(status, "initContainerStatuses"), 0);
    json_t *terminated = json_object_get(json_object_get(init, "state"), "terminated");
    CHECK_INT_EQ(json_integer_value(json_object_get(terminated, "exitCode")), 3);
    CHECK_STR_EQ(objects_get_string(terminated, "reason"), "Error");
    json_t *app = json_array_get(json_object_get(status, "containerStatuses"), 0);
    CHECK_STR_EQ(objects_get_string(json_object_get(json_object_get(app, "state"), "waiting"), "reason"),
                 "PodInitializing");
    /* The app, made ready while the init container ran, never runs: its process goes with the pod's end. */
    int left = prepared_processes(f.dir);
    for (int i = 0; i < 200 && left > 0; i++) {
        usleep(10000);
        left = prepared_processes(f.dir);
    }
    CHECK_INT_EQ(left, 0);
    CHECK(strstr(events, "Started container app") == NULL);
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 1);
    CHECK(wait_gone(20));
    json_decref(status);
    json_decref(pod);
    teardown(&f);
}

TEST_WITH_TIMEOUT(agent_restarts_a_crashing_container_with_backoff_and_keeps_last_state, 60)
{
    struct fixture f = {0};
    setup(&f);
    json_t *pod =
        pod_from_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: crasher\n  namespace: default\n"
                      "spec:\n  restartPolicy: OnFailure\n  containers:\n  - name: app\n"
                      "    image: busybox\n    imagePullPolicy: IfNotPresent\n    command: ['sh', '-c', "
                      "'echo oops; exit 7']\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    /* With the test's short back-off (200 ms doubling to 800 ms), three restarts come within seconds. */
    json_t *app = NULL;
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&seen_lock);
        json_decref(app);
        app = json_deep_copy(json_array_get(json_object_get(last_status, "containerStatuses"), 0));
        pthread_mutex_unlock(&seen_lock);
        if (json_integer_value(json_object_get(app, "restartCount")) >= 3)
            break;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    CHECK(json_integer_value(json_object_get(app, "restartCount")) >= 3);
    json_t *last = json_object_get(json_object_get(app, "lastState"), "terminated");
    CHECK_INT_EQ(json_integer_value(json_object_get(last, "exitCode")), 7);
    CHECK_STR_CONTAINS(events, "BackOff spec.containers{app} Back-off restarting failed container app");
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 1);
    CHECK(wait_gone(20));
    json_decref(app);
    json_decref(pod);
    teardown(&f);
}

/* Waits until the first app container's status satisfies the check on its "ready" flag and restartCount. */
static json_t *wait_container(bool want_ready, int64_t min_restarts, int seconds)
{
    for (int i = 0; i < seconds * 20; i++) {
        pthread_mutex_lock(&seen_lock);
        json_t *c = json_deep_copy(json_array_get(json_object_get(last_status, "containerStatuses"), 0));
        pthread_mutex_unlock(&seen_lock);
        if (json_is_true(json_object_get(c, "ready")) == want_ready &&
            json_integer_value(json_object_get(c, "restartCount")) >= min_restarts)
            return c;
        json_decref(c);
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&seen_lock);
    fprintf(stderr, "# container never became ready=%d with %lld restarts; events:\n%s", want_ready,
            (long long)min_restarts, events);
    pthread_mutex_unlock(&seen_lock);
    _exit(1);
}

TEST_WITH_TIMEOUT(agent_probes_drive_readiness_and_liveness_restarts, 90)
{
    struct fixture f = {0};
    setup(&f);
    /* httpd serves /www only once postStart has written the page; the readiness probe sees it. The
     * liveness probe fails once /tmp/alive is removed, which the container does after 3 s. */
    json_t *pod =
        pod_from_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: probed\n  namespace: default\nspec:\n"
                      "  terminationGracePeriodSeconds: 1\n  containers:\n  - name: web\n    image: busybox\n"
                      "    imagePullPolicy: IfNotPresent\n"
                      "    command: ['sh', '-c', 'mkdir -p /www; touch /tmp/alive; httpd -p 8080 -h /www; "
                      "sleep 3; rm /tmp/alive; "
                      "sleep 3600']\n"
                      "    ports:\n    - name: http\n      containerPort: 8080\n"
                      "    lifecycle:\n      postStart:\n        exec:\n          command: ['sh', '-c', "
                      "'sleep 0.5; echo ok > "
                      "/www/index.html']\n"
                      "    readinessProbe:\n      httpGet:\n        port: http\n        path: /index.html\n"
                      "      periodSeconds: 1\n"
                      "    livenessProbe:\n      exec:\n        command: ['cat', '/tmp/alive']\n      "
                      "initialDelaySeconds: 1\n"
                      "      periodSeconds: 1\n      failureThreshold: 2\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    json_decref(wait_container(true, 0, 20));
    json_t *c = wait_container(false, 1, 30);
    json_decref(c);
    pthread_mutex_lock(&seen_lock);
    CHECK_STR_CONTAINS(events,
                       "Unhealthy spec.containers{web} Liveness probe failed: command cat exited with 1");
    CHECK_STR_CONTAINS(events,
                       "Killing spec.containers{web} Container web failed liveness probe, will be restarted");
    pthread_mutex_unlock(&seen_lock);
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 1);
    CHECK(wait_gone(20));
    json_decref(pod);
    teardown(&f);
}

/* The order of a pod's life, in the style of Kubernetes' node e2e container-lifecycle suite: every
 * container appends "NAME Starting" and "NAME Exiting" to a log in a shared emptyDir. */
TEST_WITH_TIMEOUT(agent_orders_init_containers_sidecars_and_apps_as_kubernetes_does, 90)
{
    struct fixture f = {0};
    setup(&f);
    json_t *pod = pod_from_yaml(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ordered\n  namespace: default\nspec:\n"
        "  restartPolicy: Never\n  terminationGracePeriodSeconds: 5\n"
        "  volumes:\n  - name: shared\n    emptyDir: {}\n"
        "  initContainers:\n"
        "  - name: init1\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
        "    command: ['sh', '-c', 'echo init1 Starting >> /shared/log; sleep 0.2; echo init1 Exiting >> "
        "/shared/log']\n"
        "    volumeMounts: [{name: shared, mountPath: /shared}]\n"
        "  - name: sidecar\n    image: busybox\n    imagePullPolicy: IfNotPresent\n    restartPolicy: "
        "Always\n"
        "    command: ['sh', '-c', 'trap \"echo sidecar Exiting >> /shared/log; exit 0\" TERM; "
        "echo sidecar Starting >> /shared/log; sleep 0.5; touch /tmp/up; while true; do sleep 0.1; done']\n"
        "    startupProbe:\n      exec:\n        command: ['test', '-f', '/tmp/up']\n      periodSeconds: 1\n"
        "    volumeMounts: [{name: shared, mountPath: /shared}]\n"
        "  - name: init2\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
        "    command: ['sh', '-c', 'echo init2 Starting >> /shared/log; echo init2 Exiting >> /shared/log']\n"
        "    volumeMounts: [{name: shared, mountPath: /shared}]\n"
        "  containers:\n"
        "  - name: app1\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
        "    command: ['sh', '-c', 'echo app1 Starting >> /shared/log; sleep 1; echo app1 Exiting >> "
        "/shared/log']\n"
        "    volumeMounts: [{name: shared, mountPath: /shared}]\n"
        "  - name: app2\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
        "    command: ['sh', '-c', 'echo app2 Starting >> /shared/log; sleep 1; echo app2 Exiting >> "
        "/shared/log']\n"
        "    volumeMounts: [{name: shared, mountPath: /shared}]\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    json_t *status = wait_phase("Succeeded", 40);
    char path[256], log[1024] = "";
    snprintf(path, sizeof path, "%s/pods/11111111-2222-3333-4444-555555555555/volumes/shared/log", f.dir);
    FILE *in = fopen(path, "r");
    CHECK(in != NULL);
    size_t n = fread(log, 1, sizeof log - 1, in);
    log[n] = '\0';
    fclose(in);
    /* Positions of each line in the log. */
    const char *lines[] = {"init1 Starting", "init1 Exiting",  "sidecar Starting", "init2 Starting",
                           "init2 Exiting",  "app1 Starting",  "app2 Starting",    "app1 Exiting",
                           "app2 Exiting",   "sidecar Exiting"};
    const char *at[10];
    for (int i = 0; i < 10; i++) {
        at[i] = strstr(log, lines[i]);
        if (at[i] == NULL)
            fprintf(stderr, "# missing \"%s\" in:\n%s", lines[i], log);
        CHECK(at[i] != NULL);
    }
    CHECK(at[0] < at[1] && at[1] < at[2] && at[2] < at[3] &&
          at[3] < at[4]);                  /* init in order, sidecar between */
    CHECK(at[4] < at[5] && at[4] < at[6]); /* apps after init */
    CHECK(at[5] < at[8] && at[6] < at[7]); /* apps together */
    CHECK(at[7] < at[9] && at[8] < at[9]); /* the sidecar outlives the apps */
    json_t *sidecar = json_array_get(json_object_get(status, "initContainerStatuses"), 1);
    CHECK_STR_EQ(objects_get_string(sidecar, "name"), "sidecar");
    CHECK(json_object_get(json_object_get(sidecar, "state"), "terminated") != NULL);
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 1);
    CHECK(wait_gone(20));
    json_decref(status);
    json_decref(pod);
    teardown(&f);
}

/* The documented defaults with a real container: the first crash restarts at once, then after 10 s, then
 * after 20 s (concepts/workloads/pods/pod-lifecycle#container-restarts). */
TEST_WITH_TIMEOUT(agent_crash_loop_uses_the_real_default_backoff, 120)
{
    struct fixture f = {0};
    real_backoff = true;
    setup(&f);
    json_t *pod =
        pod_from_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: crashloop\n  namespace: default\n"
                      "spec:\n  terminationGracePeriodSeconds: 1\n  volumes: [{name: v, emptyDir: {}}]\n"
                      "  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
                      "    command: ['sh', '-c', 'date +%s >> /v/starts; exit 1']\n"
                      "    volumeMounts: [{name: v, mountPath: /v}]\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/pods/11111111-2222-3333-4444-555555555555/volumes/v/starts", f.dir);
    long starts[4] = {0};
    int n = 0;
    for (int i = 0; i < 700 && n < 4; i++) {
        FILE *in = fopen(path, "r");
        n = 0;
        while (in != NULL && n < 4 && fscanf(in, "%ld", &starts[n]) == 1)
            n++;
        if (in != NULL)
            fclose(in);
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    CHECK_INT_EQ(n, 4);
    fprintf(stderr, "# restarts after %lds, %lds, %lds\n", starts[1] - starts[0], starts[2] - starts[1],
            starts[3] - starts[2]);
    CHECK(starts[1] - starts[0] <= 2);
    CHECK(starts[2] - starts[1] >= 9 && starts[2] - starts[1] <= 13);
    CHECK(starts[3] - starts[2] >= 19 && starts[3] - starts[2] <= 24);
    pthread_mutex_lock(&seen_lock);
    CHECK_STR_CONTAINS(json_dumps(last_status, 0), "CrashLoopBackOff");
    pthread_mutex_unlock(&seen_lock);
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 1);
    CHECK(wait_gone(20));
    json_decref(pod);
    teardown(&f);
}

/* A container over its memory limit is OOM-killed inside its own cgroup: the pod reports it as Kubernetes
 * does (terminated, reason OOMKilled, exit code 137), and with restartPolicy Never the pod fails. */
TEST_WITH_TIMEOUT(agent_reports_oomkilled_and_fails_the_pod, 60)
{
    struct fixture f = {0};
    setup(&f);
    json_t *pod =
        pod_from_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: hog\n  namespace: default\nspec:\n"
                      "  restartPolicy: Never\n  containers:\n  - name: hog\n    image: busybox\n"
                      "    imagePullPolicy: IfNotPresent\n"
                      "    command: ['sh', '-c', 'x=0123456789abcdef; while true; do x=$x$x; done']\n"
                      "    resources: {limits: {memory: 32Mi}}\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    json_t *status = wait_phase("Failed", 40);
    json_t *terminated = json_object_get(
        json_object_get(json_array_get(json_object_get(status, "containerStatuses"), 0), "state"),
        "terminated");
    CHECK_STR_EQ(objects_get_string(terminated, "reason"), "OOMKilled");
    CHECK_INT_EQ(json_integer_value(json_object_get(terminated, "exitCode")), 137);
    CHECK_STR_EQ(objects_get_string(status, "qosClass"), "Burstable");
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 1);
    CHECK(wait_gone(20));
    json_decref(status);
    json_decref(pod);
    teardown(&f);
}

/* Deletion gives the preStop hook and the stop signal the grace period, then SIGKILL: a container that
 * ignores SIGTERM is gone after the period, not before (pod-lifecycle "Termination of Pods"). */
TEST_WITH_TIMEOUT(agent_enforces_the_grace_period_after_prestop, 60)
{
    struct fixture f = {0};
    setup(&f);
    json_t *pod =
        pod_from_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: stubborn\n  namespace: default\n"
                      "spec:\n  terminationGracePeriodSeconds: 3\n  volumes: [{name: v, emptyDir: {}}]\n"
                      "  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
                      "    command: ['sh', '-c', 'trap \"\" TERM; while true; do sleep 0.1; done']\n"
                      "    lifecycle:\n      preStop:\n        exec:\n"
                      "          command: ['sh', '-c', 'echo prestop > /v/hook']\n"
                      "    volumeMounts: [{name: v, mountPath: /v}]\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    json_decref(wait_phase("Running", 30));
    char hook[256];
    snprintf(hook, sizeof hook, "%s/pods/11111111-2222-3333-4444-555555555555/volumes/v/hook", f.dir);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", -1);
    /* The hook ran before the stop signal (the file is there while the pod still runs). */
    bool hooked = false;
    for (int i = 0; i < 40 && !hooked; i++) {
        hooked = access(hook, F_OK) == 0;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    CHECK(hooked);
    CHECK(wait_gone(20));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "# gone after %.1f s with a grace period of 3 s\n", seconds);
    CHECK(seconds >= 2.8 && seconds < 8);
    pthread_mutex_lock(&seen_lock);
    CHECK_STR_CONTAINS(events, "Killing spec.containers{app} Stopping container app");
    pthread_mutex_unlock(&seen_lock);
    json_decref(pod);
    teardown(&f);
}

/* An exec probe that outlives its timeoutSeconds fails (and is killed), as the kubelet's do. */
TEST_WITH_TIMEOUT(agent_exec_probe_timeout_fails_the_probe, 60)
{
    struct fixture f = {0};
    setup(&f);
    json_t *pod =
        pod_from_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: slowprobe\n  namespace: default\n"
                      "spec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n"
                      "    image: busybox\n    imagePullPolicy: IfNotPresent\n    command: ['sleep', '600']\n"
                      "    livenessProbe:\n      exec:\n        command: ['sleep', '30']\n"
                      "      timeoutSeconds: 1\n      periodSeconds: 1\n      failureThreshold: 1\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    json_decref(wait_container(false, 1, 30));
    pthread_mutex_lock(&seen_lock);
    CHECK_STR_CONTAINS(events, "Liveness probe failed: exec: command timed out after 1000ms");
    pthread_mutex_unlock(&seen_lock);
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 1);
    CHECK(wait_gone(20));
    json_decref(pod);
    teardown(&f);
}

/* activeDeadlineSeconds: the pod is stopped and fails with reason DeadlineExceeded. */
TEST_WITH_TIMEOUT(agent_active_deadline_fails_the_pod, 60)
{
    struct fixture f = {0};
    setup(&f);
    json_t *pod =
        pod_from_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: deadline\n  namespace: default\n"
                      "spec:\n  activeDeadlineSeconds: 2\n  terminationGracePeriodSeconds: 1\n"
                      "  containers:\n  - name: app\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
                      "    command: ['sleep', '600']\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    json_t *status = wait_phase("Failed", 20);
    CHECK_STR_EQ(objects_get_string(status, "reason"), "DeadlineExceeded");
    CHECK_STR_EQ(objects_get_string(status, "message"),
                 "Pod was active on the node longer than the specified deadline");
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 1);
    CHECK(wait_gone(20));
    json_decref(status);
    json_decref(pod);
    teardown(&f);
}

/* The termination message: the file at terminationMessagePath, or with FallbackToLogsOnError and no file,
 * the tail of the log of a container that failed. */
TEST_WITH_TIMEOUT(agent_termination_message_from_file_or_log, 60)
{
    struct fixture f = {0};
    setup(&f);
    json_t *pod =
        pod_from_yaml("apiVersion: v1\nkind: Pod\nmetadata:\n  name: messages\n  namespace: default\n"
                      "spec:\n  restartPolicy: Never\n  containers:\n"
                      "  - name: file\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
                      "    command: ['sh', '-c', 'echo -n bye > /dev/termination-log']\n"
                      "  - name: logs\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"
                      "    terminationMessagePolicy: FallbackToLogsOnError\n"
                      "    command: ['sh', '-c', 'echo something broke; exit 3']\n");
    husk_error err = {0};
    CHECK_INT_EQ(node_agent_sync_pod(f.agent, pod, &err), 0);
    json_t *status = wait_phase("Failed", 30);
    json_t *statuses = json_object_get(status, "containerStatuses");
    const char *by_file = objects_get_string(
        json_object_get(json_object_get(json_array_get(statuses, 0), "state"), "terminated"), "message");
    const char *by_log = objects_get_string(
        json_object_get(json_object_get(json_array_get(statuses, 1), "state"), "terminated"), "message");
    CHECK_STR_EQ(by_file, "bye");
    CHECK_STR_EQ(by_log, "something broke\n");
    node_agent_kill_pod(f.agent, "11111111-2222-3333-4444-555555555555", 1);
    CHECK(wait_gone(20));
    json_decref(status);
    json_decref(pod);
    teardown(&f);
}
