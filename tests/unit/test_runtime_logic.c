/* The runtime's pure pieces: CRI log records, capability sets, and the config and state files. */
#include "harness.h"

#include "base/cleanup.h"
#include "runtime/config.h"
#include "runtime/crilog.h"
#include "runtime/files.h"
#include "runtime/security.h"
#include "runtime/state.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>

static char *temp_dir(void)
{
    static char dir[] = "/tmp/husk-test-logic-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    return dir;
}

TEST(runtime_crilog_writes_full_and_partial_records)
{
    char *dir = temp_dir(), path[256];
    snprintf(path, sizeof path, "%s/log", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    runtime_crilog_write(fd, "stdout", "one\ntwo\nthr", 11);
    runtime_crilog_write(fd, "stderr", "ee\n", 3);
    close(fd);
    cleanup_free char *text = NULL;
    husk_error err = {0};
    CHECK(runtime_read_file(path, 4096, &text, &err) == 0);
    /* Four records: F one, F two, P thr, F ee (the reader joins thr+ee). */
    const char *expected[] = {" stdout F one\n", " stdout F two\n", " stdout P thr\n", " stderr F ee\n"};
    const char *p = text;
    for (int i = 0; i < 4; i++) {
        CHECK(strlen(p) > 30 && p[10] == 'T' && p[29] == 'Z');
        CHECK(strncmp(p + 30, expected[i], strlen(expected[i])) == 0);
        p = strchr(p, '\n') + 1;
    }
    CHECK_STR_EQ(p, "");
    CHECK(runtime_remove_tree(dir, &err) == 0);
}

TEST(runtime_capabilities_default_add_drop_privileged)
{
    struct runtime_container_config c = {0};
    uint64_t mask = 0;
    husk_error err = {0};
    CHECK(runtime_capabilities_mask(&c, &mask, &err) == 0);
    /* containerd's default set: 0xa80425fb, as `CapEff` shows in a Docker container. */
    CHECK_INT_EQ(mask, 0xa80425fbULL);
    const char *const all[] = {"ALL", NULL};
    const char *const add[] = {"NET_ADMIN", "CAP_SYS_TIME", NULL};
    c.capabilities_drop = all;
    c.capabilities_add = add;
    CHECK(runtime_capabilities_mask(&c, &mask, &err) == 0);
    CHECK_INT_EQ(mask, (1ULL << CAP_NET_ADMIN) | (1ULL << CAP_SYS_TIME));
    const char *const bad[] = {"NOT_A_CAP", NULL};
    c.capabilities_add = bad;
    CHECK(runtime_capabilities_mask(&c, &mask, &err) < 0);
    CHECK_STR_CONTAINS(err.message, "NOT_A_CAP");
    c = (struct runtime_container_config){.privileged = true};
    CHECK(runtime_capabilities_mask(&c, &mask, &err) == 0);
    CHECK(mask & (1ULL << CAP_SYS_ADMIN));
}

TEST(runtime_container_config_round_trips)
{
    char *dir = temp_dir(), path[256];
    snprintf(path, sizeof path, "%s/config.json", dir);
    const char *const layers[] = {"/l1", "/l2", NULL}, *const argv[] = {"sh", "-c", "x", NULL};
    const char *const env[] = {"A=1", NULL};
    const gid_t groups[] = {10, 20};
    const struct runtime_mount mounts[] = {
        {.source = "/v", .destination = "/d", .sub_path = "s", .read_only = true},
        {.destination = "/t", .tmpfs = true, .tmpfs_size_bytes = 4096}};
    struct runtime_container_config c = {.name = "c",
                                         .rootfs_layers = layers,
                                         .argv = argv,
                                         .env = env,
                                         .uid = 1000,
                                         .gid = 1001,
                                         .supplementary_groups = groups,
                                         .supplementary_group_count = 2,
                                         .mounts = mounts,
                                         .mount_count = 2,
                                         .resources = {.memory_limit_bytes = 1 << 20, .pids_limit = 5},
                                         .stop_signal = 15,
                                         .tty = true};
    husk_error err = {0};
    CHECK(runtime_container_config_save(&c, path, &err) == 0);
    struct runtime_loaded_container *l = NULL;
    CHECK(runtime_container_config_load(path, &l, &err) == 0);
    CHECK_STR_EQ(l->config.name, "c");
    CHECK_STR_EQ(l->config.rootfs_layers[1], "/l2");
    CHECK(l->config.rootfs_layers[2] == NULL);
    CHECK_STR_EQ(l->config.argv[2], "x");
    CHECK(l->config.cwd == NULL && l->config.log_path == NULL);
    CHECK_INT_EQ(l->config.uid, 1000);
    CHECK_INT_EQ(l->config.supplementary_groups[1], 20);
    CHECK_INT_EQ(l->config.mount_count, 2);
    CHECK_STR_EQ(l->config.mounts[0].sub_path, "s");
    CHECK(l->config.mounts[0].read_only && l->config.mounts[1].tmpfs);
    CHECK_INT_EQ(l->config.mounts[1].tmpfs_size_bytes, 4096);
    CHECK_INT_EQ(l->config.resources.memory_limit_bytes, 1 << 20);
    CHECK(l->config.tty);
    runtime_loaded_container_free(l);
    CHECK(runtime_remove_tree(dir, &err) == 0);
}

TEST(runtime_state_round_trips)
{
    char *dir = temp_dir(), path[256];
    snprintf(path, sizeof path, "%s/state.json", dir);
    struct runtime_container_status s = {.state = RUNTIME_CONTAINER_EXITED,
                                         .pid = 42,
                                         .exit_code = 137,
                                         .signal = 9,
                                         .oom_killed = true,
                                         .started_at_ns = 1,
                                         .finished_at_ns = 2};
    snprintf(s.reason, sizeof s.reason, "OOMKilled");
    husk_error err = {0};
    CHECK(runtime_state_save(path, &s, &err) == 0);
    struct runtime_container_status r;
    CHECK(runtime_state_load(path, &r, &err) == 0);
    CHECK_INT_EQ(r.state, RUNTIME_CONTAINER_EXITED);
    CHECK_INT_EQ(r.exit_code, 137);
    CHECK(r.oom_killed);
    CHECK_STR_EQ(r.reason, "OOMKilled");
    CHECK_INT_EQ(r.finished_at_ns, 2);
    CHECK(runtime_remove_tree(dir, &err) == 0);
}
