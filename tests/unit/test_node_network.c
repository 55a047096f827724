/* The CNI layer: conflists found by network name as libcni finds them, the default network, port
 * mappings from a pod, the pod's IPs in a result, and real plugins' errors (Debian's
 * containernetworking-plugins) read back in their own words. */
#include "harness.h"

#include "base/cleanup.h"
#include "node/cni.h"
#include "node/network.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes a new temp dir; its path in dir. */
static void temp_dir(char dir[static 32])
{
    snprintf(dir, 32, "/tmp/husk-cni-test.XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

TEST(cni_finds_the_network_by_name_in_name_order)
{
    char dir[32];
    temp_dir(dir);
    write_text(dir, "05-broken.conflist", "{ not json");
    write_text(dir, "10-other.conflist",
               "{\"cniVersion\":\"1.0.0\",\"name\":\"other\",\"plugins\":[{\"type\":\"bridge\"}]}");
    write_text(dir, "20-mine.conf", "{\"cniVersion\":\"0.4.0\",\"name\":\"mine\",\"type\":\"ptp\"}");
    write_text(dir, "30-mine.conflist",
               "{\"cniVersion\":\"1.0.0\",\"name\":\"mine\",\"plugins\":[{\"type\":\"bridge\"}]}");
    write_text(dir, "mine.txt", "{\"name\":\"mine\",\"type\":\"macvlan\"}");
    json_t *list = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(node_cni_find_network(dir, "mine", &list, &err), 0);
    /* The single-plugin .conf sorts first and becomes a list of one. */
    CHECK_STR_EQ(json_string_value(json_object_get(list, "cniVersion")), "0.4.0");
    CHECK_INT_EQ((int)json_array_size(json_object_get(list, "plugins")), 1);
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_array_get(json_object_get(list, "plugins"), 0), "type")),
        "ptp");
    json_decref(list);
    CHECK_INT_EQ(node_cni_find_network(dir, "absent", &list, &err), 0);
    CHECK(list == NULL);
    remove_dir(dir);
}

TEST(cni_writes_the_default_network_once_and_checks_the_subnet)
{
    char dir[32];
    temp_dir(dir);
    char conf[512];
    snprintf(conf, sizeof conf, "%s/net.d", dir);
    struct node_cni_options o = {.conf_dir = conf, .subnet = "10.77.0.0/16"};
    struct node_cni *cni = NULL;
    husk_error err = {0};
    CHECK_INT_EQ(node_cni_open(&o, &cni, &err), 0);
    json_t *list = node_cni_conflist(cni, &err);
    CHECK_STR_EQ(json_string_value(json_object_get(list, "name")), "husk");
    const json_t *bridge = json_array_get(json_object_get(list, "plugins"), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(bridge, "bridge")), "husk0");
    const json_t *range =
        json_array_get(json_array_get(json_object_get(json_object_get(bridge, "ipam"), "ranges"), 0), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(range, "subnet")), "10.77.0.0/16");
    CHECK_STR_EQ(json_string_value(json_object_get(range, "gateway")), "10.77.0.1");
    CHECK_STR_EQ(
        json_string_value(json_object_get(json_array_get(json_object_get(list, "plugins"), 1), "type")),
        "portmap");
    json_decref(list);
    node_cni_free(cni);

    CHECK(node_cni_write_default(conf, "10.77.0.5/16", &err) < 0);
    CHECK_STR_CONTAINS(err.message, "pod subnet \"10.77.0.5/16\" has host bits set");
    CHECK(node_cni_write_default(conf, "fd00::/64", &err) < 0);
    CHECK_STR_CONTAINS(err.message, "is not an IPv4 CIDR");

    /* Another network name is never written for the user: it must exist. */
    struct node_cni_options named = {.conf_dir = conf, .network = "corp"};
    CHECK(node_cni_open(&named, &cni, &err) < 0);
    CHECK_STR_CONTAINS(err.message, "no CNI network \"corp\" in");
    remove_dir(dir);
}

TEST(network_port_mappings_come_from_host_ports)
{
    json_t *pod = json_loads(
        "{\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":80,\"hostPort\":8080},"
        "{\"containerPort\":53,\"hostPort\":5353,\"protocol\":\"UDP\",\"hostIP\":\"127.0.0.1\"},"
        "{\"containerPort\":9000}]}],"
        "\"initContainers\":[{\"name\":\"s\",\"restartPolicy\":\"Always\",\"ports\":[{\"containerPort\":7,"
        "\"hostPort\":7007}]},"
        "{\"name\":\"i\",\"ports\":[{\"containerPort\":1,\"hostPort\":1001}]}]}}",
        0, NULL);
    json_t *m = node_network_port_mappings(pod);
    cleanup_free char *text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR_EQ(text,
                 "[{\"containerPort\":80,\"hostPort\":8080,\"protocol\":\"tcp\"},"
                 "{\"containerPort\":53,\"hostIP\":\"127.0.0.1\",\"hostPort\":5353,\"protocol\":\"udp\"},"
                 "{\"containerPort\":7,\"hostPort\":7007,\"protocol\":\"tcp\"}]");
    json_decref(m);
    json_decref(pod);
}

TEST(network_pod_ips_are_the_sandbox_side_ones_ipv4_first)
{
    json_t *result = json_loads(
        "{\"interfaces\":[{\"name\":\"br\"},{\"name\":\"veth1\"},{\"name\":\"eth0\",\"sandbox\":\"/x\"}],"
        "\"ips\":[{\"interface\":0,\"address\":\"10.1.0.1/24\"},{\"interface\":2,\"address\":\"fd00::5/64\"},"
        "{\"interface\":2,\"address\":\"10.1.0.5/24\"}]}",
        0, NULL);
    json_t *ips = node_network_result_ips(result);
    cleanup_free char *text = json_dumps(ips, JSON_COMPACT);
    CHECK_STR_EQ(text, "[\"10.1.0.5\",\"fd00::5\"]");
    json_decref(ips);
    json_decref(result);
}

TEST(cni_reports_a_real_plugin_error_in_its_words)
{
    const char *env[] = {"CNI_COMMAND=ADD", "CNI_CONTAINERID=x1",    "CNI_NETNS=/nonexistent/netns",
                         "CNI_IFNAME=eth0", "CNI_PATH=/usr/lib/cni", NULL};
    json_t *out = NULL;
    husk_error err = {0};
    if (access("/usr/lib/cni/loopback", X_OK) != 0)
        SKIP("containernetworking-plugins is not installed (scripts/setup.sh installs it)");
    CHECK(node_cni_exec("/usr/lib/cni", "loopback", env,
                        "{\"cniVersion\":\"1.0.0\",\"name\":\"t\",\"type\":\"loopback\"}", &out, &err) < 0);
    CHECK_STR_CONTAINS(err.message, "plugin loopback: ");
    CHECK_STR_CONTAINS(err.message, "/nonexistent/netns");
    CHECK(node_cni_exec("/usr/lib/cni:/opt/cni/bin", "nosuchplugin", env, "{}", &out, &err) < 0);
    CHECK_STR_EQ(err.message, "failed to find plugin \"nosuchplugin\" in path [/usr/lib/cni:/opt/cni/bin]");
    CHECK(node_cni_exec("/usr/lib/cni", "../../bin/sh", env, "{}", &out, &err) < 0);
    CHECK_STR_CONTAINS(err.message, "is not a plugin name");
    /* VERSION needs no namespace: a real answer, parsed. */
    const char *version_env[] = {"CNI_COMMAND=VERSION", NULL};
    CHECK_INT_EQ(
        node_cni_exec("/usr/lib/cni", "bridge", version_env, "{\"cniVersion\":\"1.0.0\"}", &out, &err), 0);
    CHECK(json_array_size(json_object_get(out, "supportedVersions")) > 0);
    json_decref(out);
}
