/* Static pods (src/node/static_pods.c): manifests in a directory run as pods named NAME-NODE, an edited
 * file replaces its pod once the old one has stopped, a removed file stops it and the set mirrors show
 * keeps it until it has, a file put back runs its pod again, a bad file is skipped. Real pods: needs root,
 * the test images and the supervisor (tests/run.sh provides them). */
#include "harness.h"
#include "node_fixture.h"
#include "image/archive.h"
#include "node/static_pods.h"
#include "objects/pod.h"

#include <glob.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *phases; /* uid -> last phase */
static int gone_count;
static json_t *last_set; /* the last set of static pods the hook saw */
static int overlaps;     /* pods that started while one before them was still running */

static void on_status(void *data, const json_t *pod, const json_t *status)
{
    (void)data;
    pthread_mutex_lock(&seen_lock);
    const char *uid = objects_get_string(objects_get_object(pod, "metadata"), "uid");
    if (json_object_get(phases, uid) == NULL && json_object_size(phases) > (size_t)gone_count)
        overlaps++;
    json_object_set_new(phases, uid, json_string(objects_get_string(status, "phase")));
    pthread_mutex_unlock(&seen_lock);
}

static void on_gone(void *data, const json_t *pod, const json_t *status)
{
    (void)data;
    (void)pod;
    (void)status;
    pthread_mutex_lock(&seen_lock);
    gone_count++;
    pthread_mutex_unlock(&seen_lock);
}

static void on_changed(void *data, const json_t *pods)
{
    (void)data;
    pthread_mutex_lock(&seen_lock);
    json_decref(last_set);
    last_set = json_deep_copy(pods);
    pthread_mutex_unlock(&seen_lock);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* The uid and name of the only static pod in the last set the hook saw, once it is Running. */
static bool one_running(char *uid, size_t size, char *name, size_t name_size)
{
    for (int i = 0; i < 600; i++) {
        pthread_mutex_lock(&seen_lock);
        json_t *pod = json_array_size(last_set) == 1 ? json_array_get(last_set, 0) : NULL;
        const char *u = pod ? objects_get_string(objects_get_object(pod, "metadata"), "uid") : NULL;
        const char *phase = u ? json_string_value(json_object_get(phases, u)) : NULL;
        bool ok = phase != NULL && strcmp(phase, "Running") == 0;
        if (ok) {
            snprintf(uid, size, "%s", u);
            snprintf(name, name_size, "%s", objects_meta_name(pod));
        }
        pthread_mutex_unlock(&seen_lock);
        if (ok)
            return true;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

#define POD                                                                                                  \
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  terminationGracePeriodSeconds: 2\n  "       \
    "containers:\n"                                                                                          \
    "  - name: app\n    image: busybox\n    imagePullPolicy: IfNotPresent\n"                                 \
    "    command: ['sleep', '%s']\n"

TEST_WITH_TIMEOUT(static_pods_run_edit_replace_and_remove, 120)
{
    REQUIRE_ROOT();
    const char *images = getenv("HUSK_TEST_IMAGES");
    char archive[4096];
    snprintf(archive, sizeof archive, "%s/busybox.oci.tar", images ? images : "build/test-images");
    if (access(archive, R_OK) != 0)
        SKIP("no test images (run scripts/build-test-images.sh, or tests/run.sh)");
    char dir[] = "/tmp/husk-test-static-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char manifests[128], path[256], cgroup_parent[64];
    snprintf(manifests, sizeof manifests, "%s/manifests", dir);
    CHECK(mkdir(manifests, 0755) == 0);
    snprintf(cgroup_parent, sizeof cgroup_parent, "husk-test-%d", (int)getpid());
    node_fixture_janitor(dir, cgroup_parent);
    phases = json_object();
    husk_error err = {0};
    struct image_store *store = NULL;
    CHECK_INT_EQ(image_store_open(dir, &store, &err), 0);
    char **names = NULL;
    CHECK_INT_EQ(image_archive_load(store, archive, &names, &err), 0);
    for (size_t i = 0; names[i] != NULL; i++)
        free(names[i]);
    free(names);
    struct node_agent_config config = {.data_dir = dir,
                                       .node_name = "node1",
                                       .cgroup_parent = cgroup_parent,
                                       .images = store,
                                       .hooks = {.pod_status = on_status, .pod_gone = on_gone}};
    struct node_agent *agent = NULL;
    CHECK_INT_EQ(node_agent_new(&config, &agent, &err), 0);

    char text[512];
    snprintf(text, sizeof text, POD, "3600");
    snprintf(path, sizeof path, "%s/web.yaml", manifests);
    write_file(path, text);
    snprintf(path, sizeof path, "%s/.hidden.yaml", manifests);
    write_file(path, "this is ignored: [");
    snprintf(path, sizeof path, "%s/broken.yaml", manifests);
    write_file(path, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: []\n");

    struct node_static_pods_hooks hooks = {.changed = on_changed};
    struct node_static_pods *statics = NULL;
    CHECK_INT_EQ(node_static_pods_start(agent, manifests, "node1", &hooks, &statics, &err), 0);
    char uid1[64], name[128];
    CHECK(one_running(uid1, sizeof uid1, name, sizeof name));
    CHECK_STR_EQ(name, "web-node1");
    json_t *pod = json_array_get(last_set, 0);
    json_t *annotations = json_object_get(json_object_get(pod, "metadata"), "annotations");
    CHECK_STR_EQ(objects_get_string(annotations, "kubernetes.io/config.source"), "file");
    CHECK_STR_EQ(objects_get_string(annotations, "kubernetes.io/config.hash"), uid1);

    /* An edit is a new pod: the old one is stopped, then the new one runs. `sleep` as PID 1 ignores
     * SIGTERM, so the old one takes its 2 s grace period; meanwhile it is the one mirrors show. */
    snprintf(text, sizeof text, POD, "3601");
    snprintf(path, sizeof path, "%s/web.yaml", manifests);
    write_file(path, text);
    sleep_ms(500);
    pthread_mutex_lock(&seen_lock);
    CHECK_INT_EQ(gone_count, 0);
    CHECK_INT_EQ(json_object_size(phases), 1);
    CHECK_INT_EQ(json_array_size(last_set), 1);
    CHECK_STR_EQ(objects_get_string(objects_get_object(json_array_get(last_set, 0), "metadata"), "uid"),
                 uid1);
    pthread_mutex_unlock(&seen_lock);
    char uid2[64];
    for (int i = 0; i < 200; i++) {
        CHECK(one_running(uid2, sizeof uid2, name, sizeof name));
        if (strcmp(uid1, uid2) != 0)
            break;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    CHECK(strcmp(uid1, uid2) != 0);
    CHECK_INT_EQ(overlaps, 0);

    /* A removed file stops its pod, which stays in the set until it has stopped. */
    CHECK(unlink(path) == 0);
    sleep_ms(500);
    pthread_mutex_lock(&seen_lock);
    CHECK_INT_EQ(gone_count, 1);
    CHECK_INT_EQ(json_array_size(last_set), 1);
    pthread_mutex_unlock(&seen_lock);
    for (int i = 0; i < 400 && gone_count < 2; i++) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < 40; i++) {
        pthread_mutex_lock(&seen_lock);
        size_t left = json_array_size(last_set);
        pthread_mutex_unlock(&seen_lock);
        if (left == 0)
            break;
        sleep_ms(50);
    }
    pthread_mutex_lock(&seen_lock);
    CHECK_INT_EQ(gone_count, 2);
    CHECK_INT_EQ(json_array_size(last_set), 0);
    /* The same file back: its pod (the same uid) runs again, in a new worker. */
    json_object_set_new(phases, uid2, json_string("gone"));
    pthread_mutex_unlock(&seen_lock);
    write_file(path, text);
    char uid3[64];
    CHECK(one_running(uid3, sizeof uid3, name, sizeof name));
    CHECK_STR_EQ(uid3, uid2);
    CHECK(node_agent_has_pod(agent, uid2));
    CHECK(unlink(path) == 0);
    for (int i = 0; i < 400 && gone_count < 3; i++)
        sleep_ms(50);
    CHECK_INT_EQ(gone_count, 3);

    node_static_pods_stop(statics);
    node_agent_free(agent);
    image_store_close(store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    char pattern[128];
    snprintf(pattern, sizeof pattern, "/sys/fs/cgroup/*/%s", cgroup_parent);
    glob_t found = {0};
    glob(pattern, 0, NULL, &found);
    for (size_t i = 0; i < found.gl_pathc; i++)
        CHECK(rmdir(found.gl_pathv[i]) == 0);
    globfree(&found);
}
