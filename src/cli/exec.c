/* `husk exec POD [-c C] [-i] [-t] -- CMD...`: runs a command in a running container of a pod. The pod
 * comes from the API; the exec itself is the runtime's, from this process (husk runs as root on the node),
 * as `crictl exec` does on a node. */
#include "cli/cli.h"
#include "cli/client.h"
#include "node/pod_paths.h"
#include "objects/pod.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

struct exec_flags {
    const char *container;
    bool stdin_open, tty;
    char **command;
};

static int parse(int argc, char **argv, struct cli_opts *o, struct exec_flags *f)
{
    *o = (struct cli_opts){.grace_period = -1, .data_dir = getenv("HUSK_DATA_DIR")};
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (strcmp(a, "-i") == 0 || strcmp(a, "--stdin") == 0)
            f->stdin_open = true;
        else if (strcmp(a, "-t") == 0 || strcmp(a, "--tty") == 0)
            f->tty = true;
        else if (strcmp(a, "-it") == 0 || strcmp(a, "-ti") == 0)
            f->stdin_open = f->tty = true;
        else if (strcmp(a, "-c") == 0 || strcmp(a, "--container") == 0)
            value = &f->container;
        else if (strcmp(a, "-n") == 0 || strcmp(a, "--namespace") == 0)
            value = &o->ns;
        else if (strcmp(a, "--data-dir") == 0)
            value = &o->data_dir;
        else if (a[0] == '-')
            return cli_usage_error("exec", "unknown flag: %s", a);
        else if (o->nargs < CLI_MAX_ARGS)
            o->args[o->nargs++] = a;
        if (value != NULL) {
            if (i + 1 >= argc)
                return cli_usage_error("exec", "flag needs an argument: %s", a);
            *value = argv[++i];
        }
    }
    if (o->nargs != 1)
        return cli_usage_error("exec", "expected one pod name before --, got %d", o->nargs);
    if (i + 1 >= argc)
        return cli_usage_error("exec", "expected a command after --");
    f->command = argv + i + 1;
    if (o->data_dir == NULL || o->data_dir[0] == '\0')
        o->data_dir = CLI_DEFAULT_DATA_DIR;
    return 0;
}

/* The container to run in: -c, else the first, saying so when there are more (as kubectl does). */
static const char *pick_container(const json_t *pod, const char *wanted)
{
    json_t *containers = objects_pod_containers(pod);
    if (wanted != NULL)
        return wanted;
    const char *first = objects_get_string(json_array_get(containers, 0), "name");
    if (json_array_size(containers) > 1)
        fprintf(stderr, "Defaulted container \"%s\" out of: %zu containers\n", first ? first : "",
                json_array_size(containers));
    return first;
}

static int run(json_t *pod, const char *container, const struct exec_flags *f, const struct cli_opts *o)
{
    /* A mirror pod stands for a static pod, whose sandbox is named by the static pod's own uid. */
    const char *mirror =
        objects_get_string(objects_get_object(objects_get_object(pod, "metadata"), "annotations"),
                           "kubernetes.io/config.mirror");
    if (mirror != NULL)
        json_object_set_new(objects_get_object(pod, "metadata"), "uid", json_string(mirror));
    char dir[4096];
    struct runtime_sandbox *sandbox = NULL;
    husk_error err = {0};
    if (node_pod_sandbox_dir(o->data_dir, pod, dir, sizeof dir) < 0 ||
        runtime_sandbox_open(dir, &sandbox, &err) < 0)
        return cli_fail("pod %s has no sandbox on this node%s%s", objects_meta_name(pod),
                        err.message[0] ? ": " : "", err.message);
    struct termios saved;
    bool raw = f->tty && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (raw) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
    struct runtime_exec_config config = {.argv = (const char *const *)f->command,
                                         .tty = f->tty,
                                         .stdin_fd = f->stdin_open ? STDIN_FILENO : -1,
                                         .stdout_fd = STDOUT_FILENO,
                                         .stderr_fd = STDERR_FILENO};
    int code = 0;
    int r = runtime_container_exec(sandbox, container, &config, &code, &err);
    if (raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    runtime_sandbox_free(sandbox);
    if (r < 0)
        return cli_fail("exec in %s/%s: %s", objects_meta_name(pod), container, err.message);
    if (code != 0)
        fprintf(stderr, "command terminated with exit code %d\n", code);
    return code;
}

int cli_cmd_exec(int argc, char **argv)
{
    struct cli_opts o;
    struct exec_flags f = {0};
    int r = parse(argc, argv, &o, &f);
    if (r != 0)
        return r;
    json_t *pod = NULL;
    if ((r = cli_get_pod(&o, o.args[0], &pod)) != 0)
        return r;
    const char *container = pick_container(pod, f.container);
    if (container == NULL || !objects_pod_container_running(pod, container)) {
        fprintf(stderr, "error: unable to upgrade connection: container %s is not running in pod %s\n",
                container ? container : "(none)", o.args[0]);
        json_decref(pod);
        return CLI_EXIT_FAILURE;
    }
    r = run(pod, container, &f, &o);
    json_decref(pod);
    return r;
}
