/* The driver behind bench/runtime-start.sh: times husk's runtime API on a busybox root and prints one
 * "name value" line per result. Usage: runtime-start-driver WORK_DIR ITERATIONS */
#include "../tests/lib/busybox_rootfs.h"
#include "runtime/runtime.h"

#include <stdlib.h>
#include <time.h>

static const char *work;
static const char *layers[2];
static int pod_number;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const husk_error *err)
{
    fprintf(stderr, "runtime-start-driver: %s: %s\n", what, err->message);
    exit(1);
}

static struct runtime_sandbox *pod(void)
{
    char state[512], uid[64];
    snprintf(state, sizeof state, "%s/pod-%d", work, ++pod_number);
    snprintf(uid, sizeof uid, "bench-%d-%d", (int)getpid(), pod_number);
    struct runtime_sandbox_config c = {.pod_uid = uid,
                                       .pod_name = "bench",
                                       .hostname = "bench",
                                       .cgroup_parent = "husk-bench",
                                       .state_dir = state};
    struct runtime_sandbox *s;
    husk_error err = {0};
    if (runtime_sandbox_create(&c, &s, &err) < 0)
        die("sandbox", &err);
    return s;
}

static void container(struct runtime_sandbox *s, const char *name, const char *const *argv)
{
    static const char *const env[] = {"PATH=/bin", NULL};
    struct runtime_container_config c = {.name = name, .rootfs_layers = layers, .argv = argv, .env = env};
    husk_error err = {0};
    if (runtime_container_create(s, &c, &err) < 0 || runtime_container_start(s, name, &err) < 0)
        die(name, &err);
}

static void wait_exit(struct runtime_sandbox *s, const char *name)
{
    struct runtime_container_status st;
    husk_error err = {0};
    if (runtime_container_wait(s, name, 30000, &st, &err) < 0 || st.state != RUNTIME_CONTAINER_EXITED)
        die("wait", &err);
}

static void remove_pod(struct runtime_sandbox *s)
{
    husk_error err = {0};
    if (runtime_sandbox_remove(s, &err) < 0)
        die("remove", &err);
    runtime_sandbox_free(s);
}

static const char *const true_argv[] = {"/bin/true", NULL};

/* A pod with n containers of /bin/true, from nothing to removed. */
static double pod_run(int n)
{
    static const char *const names[] = {"a", "b", "c"};
    double start = now_ms();
    struct runtime_sandbox *s = pod();
    for (int i = 0; i < n; i++)
        container(s, names[i], true_argv);
    for (int i = 0; i < n; i++)
        wait_exit(s, names[i]);
    remove_pod(s);
    return now_ms() - start;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, double *samples, int n)
{
    qsort(samples, (size_t)n, sizeof *samples, compare);
    printf("%s_median_ms %.2f\n%s_min_ms %.2f\n", name, samples[n / 2], name, samples[0]);
}

/* Adds the supervisor's smaps_rollup lines of interest to the totals (kB). */
static void add_memory(pid_t pid, long totals[3])
{
    static const char *const keys[] = {"Rss: %ld kB", "Pss: %ld kB", "Private_Dirty: %ld kB"};
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    FILE *f = fopen(path, "re");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        long kb;
        for (int i = 0; i < 3; i++)
            if (sscanf(line, keys[i], &kb) == 1)
                totals[i] += kb;
    }
    if (f != NULL)
        fclose(f);
}

/* The memory of pods that each run one `sleep`: one pod alone, then the mean over 5 pods (the
 * supervisor's code pages are shared between pods, so PSS per pod falls as pods are added). */
static void supervisor_memory(void)
{
    static const char *const names[] = {"rss_kb", "pss_kb", "private_dirty_kb"};
    const char *const argv[] = {"sleep", "1000", NULL};
    struct runtime_sandbox *pods[5];
    for (int n = 1; n <= 5; n += 4) {
        for (int i = 0; i < n; i++) {
            pods[i] = pod();
            container(pods[i], "sleeper", argv);
        }
        usleep(200000);
        long totals[3] = {0, 0, 0};
        for (int i = 0; i < n; i++)
            add_memory(pods[i]->supervisor_pid, totals);
        for (int k = 0; k < 3; k++)
            printf("supervisor_%s_%s %ld\n", n == 1 ? "alone" : "mean_of_5", names[k], totals[k] / n);
        /* HUSK_BENCH_SMAPS=FILE keeps one supervisor's per-mapping detail, to see where its memory goes. */
        const char *keep = getenv("HUSK_BENCH_SMAPS");
        if (keep != NULL && n == 1) {
            char command[4200];
            snprintf(command, sizeof command, "cat /proc/%d/smaps > '%s'", (int)pods[0]->supervisor_pid,
                     keep);
            if (system(command) != 0)
                fprintf(stderr, "runtime-start-driver: could not copy the smaps\n");
        }
        for (int i = 0; i < n; i++)
            remove_pod(pods[i]);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    work = argv[1];
    int n = atoi(argv[2]);
    static char rootfs[4096];
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", work);
    if (access(rootfs, F_OK) < 0 && test_make_busybox_rootfs(rootfs) < 0)
        return 1;
    layers[0] = rootfs;
    double *samples = calloc((size_t)n, sizeof *samples);
    pod_run(1); /* warm-up */
    for (int i = 0; i < n; i++)
        samples[i] = pod_run(1);
    report("pod_1_container", samples, n);
    for (int i = 0; i < n; i++)
        samples[i] = pod_run(3);
    report("pod_3_containers", samples, n);
    struct runtime_sandbox *s = pod();
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "c%d", i);
        double start = now_ms();
        container(s, name, true_argv);
        wait_exit(s, name);
        samples[i] = now_ms() - start;
    }
    report("container_in_running_pod", samples, n);
    remove_pod(s);
    supervisor_memory();
    free(samples);
    return 0;
}
