/* The eviction manager's decisions (src/node/eviction.c) and the limits' flag values (src/node/limits.c):
 * thresholds, the kubelet's ranking, its messages, emptyDir sizeLimits, critical pods; and the supervisor's
 * log rotation (src/runtime/log_rotate.c) with the node's compression of rotated logs. */
#include "harness.h"
#include "node/container_logs.h"
#include "node/eviction.h"
#include "node/limits.h"
#include "runtime/crilog.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static json_t *pod_json(const char *text)
{
    json_t *pod = json_loads(text, 0, NULL);
    CHECK(pod != NULL);
    return pod;
}

TEST(eviction_defaults_are_the_kubelets)
{
    struct node_limits l;
    node_limits_default(&l);
    CHECK_INT_EQ(l.container_log_max_bytes, 10 * 1024 * 1024);
    CHECK_INT_EQ(l.container_log_max_files, 5);
    CHECK_INT_EQ(l.pod_pids_limit, 4096);
    CHECK(l.eviction_hard[NODE_SIGNAL_MEMORY_AVAILABLE].set);
    CHECK_INT_EQ(l.eviction_hard[NODE_SIGNAL_MEMORY_AVAILABLE].quantity, 100 * 1024 * 1024);
    CHECK(l.eviction_hard[NODE_SIGNAL_NODEFS_AVAILABLE].percentage > 0.099 &&
          l.eviction_hard[NODE_SIGNAL_NODEFS_AVAILABLE].percentage < 0.101);
}

TEST(eviction_hard_flag_replaces_every_threshold)
{
    struct node_limits l;
    node_limits_default(&l);
    husk_error err = {0};
    CHECK_INT_EQ(node_limits_parse_eviction_hard("memory.available<1Gi,nodefs.available<99%", &l, &err), 0);
    CHECK_INT_EQ(l.eviction_hard[NODE_SIGNAL_MEMORY_AVAILABLE].quantity, 1LL << 30);
    CHECK(l.eviction_hard[NODE_SIGNAL_NODEFS_AVAILABLE].percentage > 0.989);
    CHECK(!l.eviction_hard[NODE_SIGNAL_IMAGEFS_AVAILABLE].set);
    CHECK(!l.eviction_hard[NODE_SIGNAL_NODEFS_INODES_FREE].set);
}

TEST(eviction_hard_flag_refuses_nonsense)
{
    struct node_limits l;
    node_limits_default(&l);
    husk_error err = {0};
    CHECK(node_limits_parse_eviction_hard("memory.available>1Gi", &l, &err) < 0);
    CHECK(node_limits_parse_eviction_hard("cpu.available<1", &l, &err) < 0);
    CHECK(strstr(err.message, "cpu.available") != NULL);
    CHECK(node_limits_parse_eviction_hard("nodefs.available<150%", &l, &err) < 0);
    CHECK(node_limits_parse_eviction_hard("memory.available<lots", &l, &err) < 0);
    /* Nothing half-applied. */
    CHECK_INT_EQ(l.eviction_hard[NODE_SIGNAL_MEMORY_AVAILABLE].quantity, 100 * 1024 * 1024);
    int64_t bytes = 0;
    CHECK_INT_EQ(node_limits_parse_size("64Ki", &bytes, &err), 0);
    CHECK_INT_EQ(bytes, 65536);
    CHECK(node_limits_parse_size("0", &bytes, &err) < 0);
}

TEST(eviction_thresholds_met_by_quantity_and_percentage)
{
    struct node_limits l;
    node_limits_default(&l);
    struct node_eviction_observation o[NODE_SIGNALS] = {
        [NODE_SIGNAL_MEMORY_AVAILABLE] = {true, 50 << 20, 8LL << 30},
        [NODE_SIGNAL_NODEFS_AVAILABLE] = {true, 20 << 20, 100 << 20},
        [NODE_SIGNAL_NODEFS_INODES_FREE] = {true, 1000, 1000},
        [NODE_SIGNAL_IMAGEFS_AVAILABLE] = {true, 20 << 20, 100 << 20},
    };
    bool met[NODE_SIGNALS];
    CHECK_INT_EQ(node_eviction_thresholds_met(&l, o, met), 1);
    CHECK(met[NODE_SIGNAL_MEMORY_AVAILABLE]);
    CHECK(node_eviction_memory_pressure(met) && !node_eviction_disk_pressure(met));
    o[NODE_SIGNAL_MEMORY_AVAILABLE].available = 200 << 20;
    o[NODE_SIGNAL_NODEFS_AVAILABLE].available = 5 << 20; /* 5% < 10% */
    CHECK_INT_EQ(node_eviction_thresholds_met(&l, o, met), 1);
    CHECK(node_eviction_disk_pressure(met) && !node_eviction_memory_pressure(met));
    CHECK_INT_EQ(node_eviction_signal_to_reclaim(met), NODE_SIGNAL_NODEFS_AVAILABLE);
    CHECK_STR_EQ(node_eviction_resource(NODE_SIGNAL_NODEFS_AVAILABLE), "ephemeral-storage");
    o[NODE_SIGNAL_MEMORY_AVAILABLE].known = false; /* unknown signals never trigger */
    o[NODE_SIGNAL_MEMORY_AVAILABLE].available = 0;
    node_eviction_thresholds_met(&l, o, met);
    CHECK(!met[NODE_SIGNAL_MEMORY_AVAILABLE]);
}

TEST(eviction_reclaims_memory_before_disk)
{
    bool met[NODE_SIGNALS] = {[NODE_SIGNAL_MEMORY_AVAILABLE] = true, [NODE_SIGNAL_NODEFS_AVAILABLE] = true};
    CHECK_INT_EQ(node_eviction_signal_to_reclaim(met), NODE_SIGNAL_MEMORY_AVAILABLE);
    bool none[NODE_SIGNALS] = {0};
    CHECK_INT_EQ(node_eviction_signal_to_reclaim(none), NODE_SIGNALS);
}

TEST(eviction_ranks_over_request_then_priority_then_excess)
{
    /* guaranteed: under its request; burstable: 10Mi over; besteffort: 5Mi over, no request;
     * important: far over but a higher priority. */
    struct node_eviction_pod pods[] = {
        {.pod = NULL, .priority = 0, .usage = 50 << 20, .request = 100 << 20},
        {.pod = NULL, .priority = 0, .usage = 30 << 20, .request = 20 << 20},
        {.pod = NULL, .priority = 0, .usage = 5 << 20, .request = 0},
        {.pod = NULL, .priority = 1000, .usage = 500 << 20, .request = 0},
    };
    const char *names[] = {"guaranteed", "burstable", "besteffort", "important"};
    for (size_t i = 0; i < 4; i++)
        pods[i].containers =
            (struct node_eviction_container *)names[i]; /* a tag to follow through the sort */
    node_eviction_rank(pods, 4);
    CHECK_STR_EQ((const char *)pods[0].containers, "burstable");
    CHECK_STR_EQ((const char *)pods[1].containers, "besteffort");
    CHECK_STR_EQ((const char *)pods[2].containers, "important");
    CHECK_STR_EQ((const char *)pods[3].containers, "guaranteed");
}

TEST(eviction_never_picks_critical_pods)
{
    struct node_eviction_pod pods[] = {{.critical = true, .usage = 9}, {.critical = false, .usage = 1}};
    CHECK(node_eviction_pick(pods, 2) == &pods[1]);
    CHECK(node_eviction_pick(pods, 1) == NULL);
    json_t *static_pod =
        pod_json("{\"metadata\":{\"annotations\":{\"kubernetes.io/config.source\":\"file\"}}}");
    json_t *mirror = pod_json("{\"metadata\":{\"annotations\":{\"kubernetes.io/config.mirror\":\"abc\"}}}");
    json_t *critical = pod_json("{\"metadata\":{},\"spec\":{\"priority\":2000001000}}");
    json_t *plain = pod_json("{\"metadata\":{},\"spec\":{\"priority\":10}}");
    CHECK(node_eviction_pod_is_critical(static_pod));
    CHECK(node_eviction_pod_is_critical(mirror));
    CHECK(node_eviction_pod_is_critical(critical));
    CHECK(!node_eviction_pod_is_critical(plain));
    json_decref(static_pod);
    json_decref(mirror);
    json_decref(critical);
    json_decref(plain);
}

TEST(eviction_message_is_the_kubelets)
{
    struct node_eviction_threshold t = {.set = true, .quantity = 100 << 20};
    struct node_eviction_observation o = {true, 50 << 20, 8LL << 30};
    struct node_eviction_container containers[] = {{"app", 10 << 20, 0}, {"idle", 1 << 20, 2 << 20}};
    struct node_eviction_pod pod = {.containers = containers, .container_count = 2};
    char message[1024];
    node_eviction_message(NODE_SIGNAL_MEMORY_AVAILABLE, &t, &o, &pod, message, sizeof message);
    CHECK_STR_EQ(message, "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. "
                          "Container app was using 10Mi, request is 0, has larger consumption of memory. ");
    struct node_eviction_threshold percent = {.set = true, .percentage = 0.5};
    struct node_eviction_observation disk = {true, 1536 * 1024, 4 << 20};
    node_eviction_message(NODE_SIGNAL_NODEFS_AVAILABLE, &percent, &disk, NULL, message, sizeof message);
    CHECK_STR_EQ(
        message,
        "The node was low on resource: ephemeral-storage. Threshold quantity: 2Mi, available: 1536Ki. ");
}

TEST(eviction_emptydir_over_its_size_limit)
{
    json_t *volume = pod_json("{\"name\":\"x\",\"emptyDir\":{\"sizeLimit\":\"1Mi\"}}");
    json_t *memory = pod_json("{\"name\":\"m\",\"emptyDir\":{\"medium\":\"Memory\",\"sizeLimit\":\"1Mi\"}}");
    json_t *unlimited = pod_json("{\"name\":\"u\",\"emptyDir\":{}}");
    char message[256] = "";
    CHECK(!node_eviction_emptydir_exceeded(volume, 1 << 20, message, sizeof message));
    CHECK(node_eviction_emptydir_exceeded(volume, (1 << 20) + 4096, message, sizeof message));
    CHECK_STR_EQ(message, "Usage of EmptyDir volume \"x\" exceeds the limit \"1Mi\". ");
    CHECK(!node_eviction_emptydir_exceeded(memory, 8 << 20, message, sizeof message));
    CHECK(!node_eviction_emptydir_exceeded(unlimited, 8 << 20, message, sizeof message));
    CHECK(node_eviction_emptydir_limited(volume) && !node_eviction_emptydir_limited(unlimited));
    json_decref(volume);
    json_decref(memory);
    json_decref(unlimited);
}

static size_t count_entries(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), s = strlen(suffix);
        if (e->d_name[0] != '.' && len >= s && strcmp(e->d_name + len - s, suffix) == 0)
            n++;
    }
    if (d != NULL)
        closedir(d);
    return n;
}

TEST(log_rotation_keeps_max_files_and_compresses_all_but_the_newest)
{
    char root[] = "/tmp/husk-logrot-XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    char pod[256], dir[300], live[400];
    snprintf(pod, sizeof pod, "%s/default_p_uid", root);
    snprintf(dir, sizeof dir, "%s/c", pod);
    CHECK(mkdir(pod, 0755) == 0 && mkdir(dir, 0755) == 0);
    snprintf(live, sizeof live, "%s/0.log", dir);
    /* Rotated names carry the second: give each rotation its own name as the seconds would. */
    const char *old[] = {"0.log.20240101-000001", "0.log.20240101-000002", "0.log.20240101-000003"};
    for (size_t i = 0; i < 3; i++) {
        char path[500];
        snprintf(path, sizeof path, "%s/%s", dir, old[i]);
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        fputs("2024-01-01T00:00:00.000000000Z stdout F hello\n", f);
        fclose(f);
    }
    FILE *f = fopen(live, "w");
    CHECK(f != NULL);
    fclose(f);
    CHECK_INT_EQ(runtime_log_rotate(live, 3), 0); /* keeps 1 old + the one just rotated */
    CHECK_INT_EQ(count_entries(dir, ".log"), 1);  /* a new, empty live file for the writer to reopen */
    CHECK_INT_EQ(count_entries(dir, ""), 3);
    node_container_logs_housekeep(root, 3);
    CHECK_INT_EQ(count_entries(dir, ".gz"), 1); /* the older rotated file, compressed */
    CHECK_INT_EQ(count_entries(dir, ""), 3);    /* live + 2 rotated */
    char gz[500];
    snprintf(gz, sizeof gz, "%s/0.log.20240101-000003.gz", dir);
    int fd = open(gz, O_RDONLY);
    unsigned char magic[2] = {0};
    CHECK(fd >= 0 && read(fd, magic, 2) == 2);
    close(fd);
    CHECK(magic[0] == 0x1f && magic[1] == 0x8b);
    char cmd[700];
    /* A whole gzip stream with the file's bytes, as zcat reads it. */
    snprintf(cmd, sizeof cmd, "gzip -dc %s | grep -qx '2024-01-01T00:00:00.000000000Z stdout F hello'", gz);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK(system(cmd) == 0);
}
