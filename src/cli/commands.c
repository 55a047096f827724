/* The table of verbs. Add a verb here and in cli.h; its code lives in a file named for it. */
#include "cli/cli.h"

#include <string.h>

/* Weak here: `husk` leaves the image commands out (libarchive, with libxml2, ICU and libstdc++: 4 ms of CPU
 * at every start) and execs husk-image for them (main.c); husk-image's main references them. */
int cli_cmd_image(int argc, char **argv) __attribute__((weak));

const struct cli_command cli_commands[] = {
    {"version", "Print the husk version", "Usage: husk version\n\nPrints the version of husk.\n",
     cli_cmd_version},
    {"help", "Show help for a verb",
     "Usage: husk help [VERB]\n\nShows the verbs, or the usage of one verb.\n", cli_cmd_help},
    {"image", "Manage images: pull, load, save, ls, rm, inspect, prune",
     "Usage: husk image SUBVERB [FLAGS] [ARGS]\n\n"
     "  pull REF [--registries-config FILE] [--authfile FILE] [-q]   pull from a registry or its mirror\n"
     "  load -i FILE                   load an OCI layout or docker save archive\n"
     "  save -o FILE REF...            save images as an OCI layout archive\n"
     "  ls [-q]                        list images (REPOSITORY TAG IMAGE ID SIZE)\n"
     "  rm REF...                      remove images, then unreferenced content\n"
     "  inspect REF...                 print images as JSON\n"
     "  prune                          remove content no image references\n\n"
     "Every subverb takes --data-dir DIR (default /var/lib/husk). Registry mirrors and TLS\n"
     "settings come from a k3s-style registries.yaml: --registries-config,\n"
     "$HUSK_REGISTRIES_CONFIG or /etc/husk/registries.yaml. pull --pull-policy Always|IfNotPresent|Never\n"
     "applies a pod's pull policy (the daemon pulls so) and exits 11 to 14 by the failure's kind.\n",
     cli_cmd_image},
    {"validate", "Check manifests as the API server would, without applying them",
     "Usage: husk validate -f FILE|DIR|- [-f ...] [--strict] [-o yaml|json]\n\n"
     "Decodes, defaults and validates every object in the manifests (YAML or JSON, multi-document,\n"
     "List) and prints each problem as kubectl would, with FILE:LINE:COLUMN for YAML. Unknown fields\n"
     "are warnings, or errors with --strict. -o prints the valid objects as the API server would store\n"
     "them (defaulted). Exits 0 when every object is valid, 1 when one is not, 2 on a usage error.\n",
     cli_cmd_validate},
    {"daemon", "Run the node agent: API server, store and node", cli_daemon_usage, cli_cmd_daemon},
    {"get", "Show objects: pods, nodes, namespaces, events, ...",
     "Usage: husk get RESOURCE [NAME...] [-n NS | -A] [-o wide|yaml|json|name] [-l SELECTOR]\n"
     "                [--field-selector SELECTOR] [--data-dir DIR]\n\n"
     "Asks the daemon (DATA_DIR/husk.sock; --data-dir or $HUSK_DATA_DIR, default /var/lib/husk) and prints\n"
     "kubectl's columns (pods: NAME READY STATUS RESTARTS AGE).\n",
     cli_cmd_get},
    {"apply", "Create or update objects from manifests",
     "Usage: husk apply -f FILE|DIR|- [-f ...] [-n NS] [--data-dir DIR]\n\n"
     "Creates each object in the manifests, or updates it when it exists (the manifest's fields\n"
     "win, the rest is kept); prints KIND/NAME created, configured or unchanged.\n",
     cli_cmd_apply},
    {"delete", "Delete objects by name or from manifests",
     "Usage: husk delete RESOURCE NAME... | -f FILE|DIR|- [-n NS] [--grace-period N] [--now] [--force]\n"
     "                  [--data-dir DIR]\n\n"
     "Deletes the objects. A pod whose containers run is given a deletionTimestamp and stopped by the node\n"
     "agent within its grace period; --grace-period 0 (or --force) removes it at once.\n",
     cli_cmd_delete},
    {"describe", "Show a pod in detail, with its events",
     "Usage: husk describe pod NAME [-n NS] [--data-dir DIR]\n\n"
     "Shows the pod as kubectl describe does: its node, labels, containers with their state, last state and\n"
     "restarts, conditions, volumes, QoS class and events.\n",
     cli_cmd_describe},
    {"logs", "Print the logs of a container in a pod",
     "Usage: husk logs POD [-c CONTAINER] [-f] [-p] [--tail N] [--timestamps] [-n NS] [--data-dir DIR]\n\n"
     "Prints the container's log as kubectl logs does: -f follows it while the container runs, -p shows the\n"
     "previous instance of a restarted container, --tail N only the last N lines.\n",
     cli_cmd_logs},
    {"exec", "Run a command in a running container",
     "Usage: husk exec POD [-c CONTAINER] [-i] [-t] [-n NS] [--data-dir DIR] -- COMMAND [ARG...]\n\n"
     "Runs COMMAND in the container (the first one unless -c says otherwise) with its namespaces, cgroup,\n"
     "user and capabilities; -i passes stdin, -t gives it a terminal. The exit status is the command's.\n",
     cli_cmd_exec},
    {"cordon", "Mark a node unschedulable",
     "Usage: husk cordon NODE [--data-dir DIR]\n\n"
     "Sets the Node's spec.unschedulable, as kubectl cordon: new pods are not bound to it (the API server\n"
     "adds the taint node.kubernetes.io/unschedulable:NoSchedule); running pods stay.\n",
     cli_cmd_cordon},
    {"uncordon", "Mark a node schedulable again",
     "Usage: husk uncordon NODE [--data-dir DIR]\n\nUndoes husk cordon, as kubectl uncordon.\n",
     cli_cmd_uncordon},
    {"drain", "Evict the pods of a node for maintenance",
     "Usage: husk drain NODE [--ignore-daemonsets] [--delete-emptydir-data] [--force] [--grace-period N]\n"
     "                 [--timeout DURATION] [--data-dir DIR]\n\n"
     "Cordons the node, then evicts its pods through the Eviction API and waits until they are gone, as\n"
     "kubectl drain. Mirror pods stay; DaemonSet-managed pods need --ignore-daemonsets, pods with an\n"
     "emptyDir --delete-emptydir-data, pods no controller manages --force. --grace-period overrides each\n"
     "pod's terminationGracePeriodSeconds; --timeout gives up waiting (default: wait forever).\n",
     cli_cmd_drain},
    {NULL, NULL, NULL, NULL},
};

const struct cli_command *cli_find_command(const char *name)
{
    for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}
