/* Pod-to-runtime translation (src/node/pod_config.c, etc_files.c, volumes.c). */
#include "harness.h"
#include "node/etc_files.h"
#include "node/pod_config.h"
#include "node/volumes.h"

#include <signal.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, 0, &error);
    if (v == NULL) {
        fprintf(stderr, "# bad test JSON: %s\n", error.text);
        _exit(1);
    }
    return v;
}

static char *join(const char **argv, struct husk_arena *a)
{
    char buf[1024] = "";
    for (size_t i = 0; argv[i] != NULL; i++) {
        if (i > 0)
            strcat(buf, " ");
        strcat(buf, argv[i]);
    }
    return husk_arena_strdup(a, buf);
}

static const char *argv_of(const char *container, char **entrypoint, char **cmd)
{
    struct image_config image_config = {.entrypoint = entrypoint, .cmd = cmd};
    static struct husk_arena a;
    static husk_error err;
    const char **argv = NULL;
    const char *env[] = {"WHO=world", NULL};
    if (node_container_argv(parse(container), &image_config, env, &a, &argv, &err) < 0)
        return err.message;
    return join(argv, &a);
}

TEST(argv_follows_kubernetes_command_and_args_rules)
{
    char *entry[] = {"/entry", NULL}, *cmd[] = {"--default", NULL};
    CHECK_STR_EQ(argv_of("{}", entry, cmd), "/entry --default");
    CHECK_STR_EQ(argv_of("{\"args\":[\"--x\"]}", entry, cmd), "/entry --x");
    CHECK_STR_EQ(argv_of("{\"command\":[\"sh\"]}", entry, cmd), "sh");
    CHECK_STR_EQ(argv_of("{\"command\":[\"echo\"],\"args\":[\"hello $(WHO)\"]}", entry, cmd),
                 "echo hello world");
    CHECK(strlen(argv_of("{}", NULL, NULL)) > 0);
}

TEST(signals_parse_by_name_and_number)
{
    CHECK_INT_EQ(node_parse_signal("SIGQUIT"), SIGQUIT);
    CHECK_INT_EQ(node_parse_signal("TERM"), SIGTERM);
    CHECK_INT_EQ(node_parse_signal("9"), SIGKILL);
    CHECK_INT_EQ(node_parse_signal("SIGBOGUS"), 0);
    CHECK_INT_EQ(node_parse_signal(NULL), 0);
}

TEST(etc_hosts_names_the_pod_and_its_aliases)
{
    struct husk_arena a = {0};
    json_t *pod =
        parse("{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"hostAliases\":"
              "[{\"ip\":\"10.1.2.3\",\"hostnames\":[\"foo.local\",\"bar.local\"]}]}}");
    char *hosts = node_etc_hosts(pod, "10.88.0.5", &a);
    CHECK_STR_CONTAINS(hosts, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n");
    CHECK_STR_CONTAINS(hosts, "10.88.0.5\tweb\n");
    CHECK_STR_CONTAINS(hosts, "# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n");
    husk_arena_free(&a);
}

TEST(hostname_is_spec_hostname_or_name_cut_to_63)
{
    struct husk_arena a = {0};
    CHECK_STR_EQ(
        node_pod_hostname(parse("{\"metadata\":{\"name\":\"web\"},\"spec\":{\"hostname\":\"h1\"}}"), &a),
        "h1");
    const char *long_name =
        "{\"metadata\":{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-"
        "bbbb\"},\"spec\":{}}";
    CHECK_STR_EQ(node_pod_hostname(parse(long_name), &a),
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    husk_arena_free(&a);
}

TEST(resolv_conf_follows_dns_policy_and_config)
{
    struct husk_arena a = {0};
    husk_error err = {0};
    const char *host = "nameserver 192.0.2.1\nsearch example.org\noptions ndots:1\n";
    char *out = NULL;
    CHECK_INT_EQ(
        node_resolv_conf(parse("{\"spec\":{\"dnsPolicy\":\"Default\",\"dnsConfig\":{\"searches\":[\"x.y\"],"
                               "\"options\":[{\"name\":\"ndots\",\"value\":\"5\"},{\"name\":\"edns0\"}]}}}"),
                         host, &a, &out, &err),
        0);
    CHECK_STR_EQ(out, "nameserver 192.0.2.1\nsearch example.org x.y\noptions ndots:5 edns0\n");
    CHECK_INT_EQ(node_resolv_conf(parse("{\"spec\":{\"dnsPolicy\":\"None\",\"dnsConfig\":{\"nameservers\":"
                                        "[\"1.1.1.1\"]}}}"),
                                  host, &a, &out, &err),
                 0);
    CHECK_STR_EQ(out, "nameserver 1.1.1.1\n");
    husk_arena_free(&a);
}

TEST(volumes_emptydir_is_created_and_hostpath_types_checked)
{
    char dir[] = "/tmp/husk-test-volumes-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char pod_json[2048];
    snprintf(pod_json, sizeof pod_json,
             "{\"spec\":{\"volumes\":[{\"name\":\"work\",\"emptyDir\":{}},"
             "{\"name\":\"made\",\"hostPath\":{\"path\":\"%s/made\",\"type\":\"DirectoryOrCreate\"}}]}}",
             dir);
    husk_error err = {0};
    struct node_pod_facts facts = {0};
    CHECK_INT_EQ(node_volumes_prepare(parse(pod_json), dir, &facts, &err), 0);
    struct stat st;
    char path[4096];
    snprintf(path, sizeof path, "%s/volumes/work", dir);
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    snprintf(path, sizeof path, "%s/made", dir);
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));

    snprintf(
        pod_json, sizeof pod_json,
        "{\"spec\":{\"volumes\":[{\"name\":\"f\",\"hostPath\":{\"path\":\"%s/made\",\"type\":\"File\"}}]}}",
        dir);
    CHECK_INT_EQ(node_volumes_prepare(parse(pod_json), dir, &facts, &err), -1);
    char expected[4096];
    snprintf(expected, sizeof expected,
             "MountVolume.SetUp failed for volume \"f\" : hostPath type check failed: %s/made is not a file",
             dir);
    CHECK_STR_EQ(err.message, expected);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

TEST(container_config_maps_resources_security_and_mounts)
{
    char dir[] = "/tmp/husk-test-config-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    json_t *pod =
        parse("{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\",\"uid\":\"u\"},"
              "\"spec\":{\"volumes\":[{\"name\":\"data\",\"emptyDir\":{}}],\"containers\":[{\"name\":\"c\","
              "\"image\":\"busybox\",\"command\":[\"sleep\",\"1\"],\"terminationMessagePath\":\"/dev/"
              "termination-log\",\"volumeMounts\":[{\"name\":\"data\",\"mountPath\":\"/data\","
              "\"readOnly\":true}],"
              "\"securityContext\":{\"allowPrivilegeEscalation\":false,\"runAsUser\":1000,"
              "\"capabilities\":{\"drop\":[\"ALL\"]}},"
              "\"resources\":{\"requests\":{\"cpu\":\"500m\"},\"limits\":{\"cpu\":\"1\",\"memory\":"
              "\"128Mi\"}}}]}}");
    json_t *container = json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
    const char *layers[] = {"/nonexistent/layer", NULL};
    struct image_config image_config = {.stop_signal = "SIGQUIT"};
    struct node_image_info image = {.layers = layers, .config = &image_config};
    struct node_pod_facts facts = {0};
    struct husk_arena a = {0};
    husk_error err = {0};
    struct runtime_container_config c;
    CHECK_INT_EQ(node_container_config(pod, container, &image, &facts, dir, "/tmp/x.log", &a, &c, &err), 0);
    CHECK_INT_EQ(c.resources.memory_limit_bytes, 128 * 1024 * 1024);
    CHECK_INT_EQ(c.resources.cpu_shares, 512);
    CHECK_INT_EQ(c.resources.cpu_quota_us, 100000);
    CHECK_INT_EQ(c.uid, 1000);
    CHECK(c.no_new_privs);
    CHECK_STR_EQ(c.capabilities_drop[0], "ALL");
    CHECK_INT_EQ(c.stop_signal, SIGQUIT);
    CHECK_INT_EQ(c.mount_count, 2);
    CHECK_STR_EQ(c.mounts[0].destination, "/data");
    CHECK(c.mounts[0].read_only);
    CHECK_STR_EQ(c.mounts[1].destination, "/dev/termination-log");
    CHECK_INT_EQ(c.seccomp, RUNTIME_SECCOMP_UNCONFINED);
    husk_arena_free(&a);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* The oom_score_adj of the pod's container LIST[INDEX] on a node of 1000 MiB. */
static int oom_score_adj_of(const char *spec, const char *list, size_t index)
{
    char text[2048];
    snprintf(text, sizeof text, "{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},\"spec\":%s}",
             spec);
    json_t *pod = parse(text);
    json_t *container = json_array_get(json_object_get(json_object_get(pod, "spec"), list), index);
    const char *layers[] = {"/nonexistent/layer", NULL};
    struct node_image_info image = {.layers = layers};
    struct node_pod_facts facts = {.node_allocatable_memory = 1000 * 1048576LL};
    struct husk_arena a = {0};
    husk_error err = {0};
    struct runtime_container_config c = {.oom_score_adj = 12345};
    if (node_container_config(pod, container, &image, &facts, "/nonexistent", "/tmp/x.log", &a, &c, &err) < 0)
        fprintf(stderr, "# %s\n", err.message);
    husk_arena_free(&a);
    json_decref(pod);
    return c.oom_score_adj;
}

#define SLEEPER(RESOURCES) "{\"name\":\"c\",\"image\":\"busybox\",\"command\":[\"sleep\",\"1\"]" RESOURCES "}"
#define MEMORY_REQUEST(Q)  ",\"resources\":{\"requests\":{\"memory\":\"" Q "\"}}"

TEST(container_oom_score_adj_follows_the_kubelets_qos_policy)
{
    /* BestEffort first, Guaranteed last. */
    CHECK_INT_EQ(oom_score_adj_of("{\"containers\":[" SLEEPER("") "]}", "containers", 0), 1000);
    CHECK_INT_EQ(oom_score_adj_of("{\"containers\":[" SLEEPER(
                                      ",\"resources\":{\"requests\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},"
                                      "\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}}") "]}",
                                  "containers", 0),
                 -997);
    /* Burstable: 1000 less the thousandths of the node's memory requested, from 3 to 999. */
    CHECK_INT_EQ(oom_score_adj_of("{\"containers\":[" SLEEPER(MEMORY_REQUEST("100Mi")) "]}", "containers", 0),
                 900);
    CHECK_INT_EQ(
        oom_score_adj_of("{\"containers\":[" SLEEPER(MEMORY_REQUEST("2000Mi")) "]}", "containers", 0), 3);
    CHECK_INT_EQ(
        oom_score_adj_of("{\"containers\":[" SLEEPER(
                             ",\"resources\":{\"requests\":{\"cpu\":\"100m\"}}") "," SLEEPER("") "]}",
                         "containers", 1),
        999);
    /* A sidecar no likelier to go than the regular container that requests least. */
    CHECK_INT_EQ(oom_score_adj_of("{\"initContainers\":[{\"name\":\"s\",\"image\":\"busybox\",\"command\":["
                                  "\"sh\"],\"restartPolicy\":"
                                  "\"Always\"}],\"containers\":[" SLEEPER(MEMORY_REQUEST("500Mi")) "]}",
                                  "initContainers", 0),
                 500);
    CHECK_INT_EQ(oom_score_adj_of("{\"priorityClassName\":\"system-node-critical\",\"containers\":[" SLEEPER(
                                      MEMORY_REQUEST("100Mi")) "]}",
                                  "containers", 0),
                 -997);
}

TEST(volumes_memory_emptydir_is_a_sized_tmpfs_until_teardown)
{
    REQUIRE_ROOT();
    char dir[] = "/tmp/husk-test-tmpfs-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    json_t *pod = parse("{\"spec\":{\"volumes\":[{\"name\":\"cache\",\"emptyDir\":{\"medium\":\"Memory\","
                        "\"sizeLimit\":\"2Mi\"}}]}}");
    husk_error err = {0};
    struct node_pod_facts facts = {0};
    CHECK_INT_EQ(node_volumes_prepare(pod, dir, &facts, &err), 0);
    /* Prepared twice (a daemon restart) it is mounted once. */
    CHECK_INT_EQ(node_volumes_prepare(pod, dir, &facts, &err), 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/volumes/cache", dir);
    struct statfs fs;
    CHECK(statfs(path, &fs) == 0);
    CHECK(fs.f_type == TMPFS_MAGIC);
    CHECK_INT_EQ((long long)fs.f_blocks * fs.f_bsize, 2 * 1024 * 1024);
    node_volumes_teardown(pod, dir);
    CHECK(statfs(path, &fs) == 0);
    CHECK(fs.f_type != TMPFS_MAGIC);
    FILE *mounts = fopen("/proc/self/mountinfo", "r");
    char line[4096];
    while (fgets(line, sizeof line, mounts) != NULL)
        CHECK(strstr(line, dir) == NULL);
    fclose(mounts);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}
