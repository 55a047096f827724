/* See etc_files.h. */
#include "node/etc_files.h"

#include "objects/pod.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kubernetes caps a pod's resolv.conf (pkg/apis/core/validation: MaxDNSNameservers, MaxDNSSearchPaths). */
#define MAX_NAMESERVERS  3
#define MAX_SEARCH_PATHS 32

const char *node_pod_hostname(const json_t *pod, struct husk_arena *arena)
{
    const char *name = objects_get_string(objects_pod_spec(pod), "hostname");
    if (name == NULL || name[0] == '\0')
        name = objects_meta_name(pod);
    if (name == NULL)
        name = "pod";
    char *copy = husk_arena_strdup(arena, name);
    if (copy != NULL && strlen(copy) > 63) {
        copy[63] = '\0';
        /* Kubernetes trims trailing '-' and '.' left by the cut so the name stays a valid label. */
        for (size_t n = 63; n > 0 && (copy[n - 1] == '-' || copy[n - 1] == '.'); n--)
            copy[n - 1] = '\0';
    }
    return copy;
}

/* A growing string; an allocation failure leaves it NULL, which the caller reports. */
struct text {
    char *data;
    size_t len;
    FILE *stream;
};

static void text_open(struct text *t)
{
    t->data = NULL;
    t->len = 0;
    t->stream = open_memstream(&t->data, &t->len);
}

static char *text_close(struct text *t, struct husk_arena *arena)
{
    if (t->stream == NULL)
        return NULL;
    fclose(t->stream);
    char *copy = husk_arena_strdup(arena, t->data);
    free(t->data);
    return copy;
}

char *node_etc_hosts(const json_t *pod, const char *pod_ip, struct husk_arena *arena)
{
    struct text t;
    text_open(&t);
    if (t.stream == NULL)
        return NULL;
    fputs(
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n",
        t.stream);
    const json_t *spec = objects_pod_spec(pod);
    const char *hostname = node_pod_hostname(pod, arena);
    const char *subdomain = objects_get_string(spec, "subdomain");
    if (pod_ip != NULL && pod_ip[0] != '\0') {
        if (subdomain != NULL && subdomain[0] != '\0')
            fprintf(t.stream, "%s\t%s.%s.%s.svc.cluster.local\t%s\n", pod_ip, hostname, subdomain,
                    objects_meta_namespace(pod), hostname);
        else
            fprintf(t.stream, "%s\t%s\n", pod_ip, hostname);
    }
    json_t *aliases = objects_get_array(spec, "hostAliases");
    if (json_array_size(aliases) > 0) {
        fputs("\n# Entries added by HostAliases.\n", t.stream);
        size_t i, j;
        json_t *alias, *name;
        json_array_foreach(aliases, i, alias)
        {
            const char *ip = objects_get_string(alias, "ip");
            fputs(ip != NULL ? ip : "", t.stream);
            json_array_foreach(objects_get_array(alias, "hostnames"), j, name)
            {
                if (json_is_string(name))
                    fprintf(t.stream, "\t%s", json_string_value(name));
            }
            fputc('\n', t.stream);
        }
    }
    return text_close(&t, arena);
}

/* The values of "nameserver" / "search" / "options" lines in a resolv.conf, appended to list. */
static void parse_resolv_lines(const char *conf, const char *keyword, json_t *list)
{
    if (conf == NULL)
        return;
    size_t klen = strlen(keyword);
    for (const char *line = conf; *line != '\0';) {
        const char *end = strchrnul(line, '\n');
        if ((size_t)(end - line) > klen && strncmp(line, keyword, klen) == 0 &&
            (line[klen] == ' ' || line[klen] == '\t')) {
            char buf[1024];
            size_t n = (size_t)(end - line - (ptrdiff_t)klen);
            if (n >= sizeof buf)
                n = sizeof buf - 1;
            memcpy(buf, line + klen, n);
            buf[n] = '\0';
            for (char *save = NULL, *word = strtok_r(buf, " \t\r", &save); word != NULL;
                 word = strtok_r(NULL, " \t\r", &save))
                json_array_append_new(list, json_string(word));
        }
        line = *end == '\n' ? end + 1 : end;
    }
}

static void append_strings(json_t *list, const json_t *values)
{
    size_t i;
    json_t *v;
    json_array_foreach(values, i, v)
    {
        if (json_is_string(v))
            json_array_append(list, v);
    }
}

/* dnsConfig.options are {name, value}; a later option of the same name replaces an earlier one. */
static void merge_options(json_t *options, const json_t *config_options)
{
    size_t i, j;
    json_t *o, *existing;
    json_array_foreach(config_options, i, o)
    {
        const char *name = objects_get_string(o, "name"), *value = objects_get_string(o, "value");
        if (name == NULL)
            continue;
        json_t *text = value != NULL ? json_sprintf("%s:%s", name, value) : json_string(name);
        size_t nlen = strlen(name);
        bool replaced = false;
        json_array_foreach(options, j, existing)
        {
            const char *s = json_string_value(existing);
            if (s != NULL && strncmp(s, name, nlen) == 0 && (s[nlen] == '\0' || s[nlen] == ':')) {
                json_array_set(options, j, text);
                replaced = true;
                break;
            }
        }
        if (!replaced)
            json_array_append(options, text);
        json_decref(text);
    }
}

static void write_list(FILE *out, const char *keyword, const json_t *list, size_t max)
{
    if (json_array_size(list) == 0)
        return;
    if (strcmp(keyword, "nameserver") == 0) {
        for (size_t i = 0; i < json_array_size(list) && i < max; i++)
            fprintf(out, "nameserver %s\n", json_string_value(json_array_get(list, i)));
        return;
    }
    fputs(keyword, out);
    for (size_t i = 0; i < json_array_size(list) && i < max; i++)
        fprintf(out, " %s", json_string_value(json_array_get(list, i)));
    fputc('\n', out);
}

int node_resolv_conf(const json_t *pod, const char *host_resolv_conf, struct husk_arena *arena, char **ret,
                     husk_error *err)
{
    const json_t *spec = objects_pod_spec(pod);
    const char *policy = objects_get_string(spec, "dnsPolicy");
    json_t *dns_config = objects_get_object(spec, "dnsConfig");
    json_t *servers = json_array(), *searches = json_array(), *options = json_array();
    if (policy == NULL || strcmp(policy, "None") != 0) {
        /* Default, ClusterFirst and ClusterFirstWithHostNet without a cluster DNS: the node's own. */
        parse_resolv_lines(host_resolv_conf, "nameserver", servers);
        parse_resolv_lines(host_resolv_conf, "search", searches);
        parse_resolv_lines(host_resolv_conf, "options", options);
    }
    append_strings(servers, objects_get_array(dns_config, "nameservers"));
    append_strings(searches, objects_get_array(dns_config, "searches"));
    merge_options(options, objects_get_array(dns_config, "options"));

    struct text t;
    text_open(&t);
    if (t.stream != NULL) {
        write_list(t.stream, "nameserver", servers, MAX_NAMESERVERS);
        write_list(t.stream, "search", searches, MAX_SEARCH_PATHS);
        write_list(t.stream, "options", options, SIZE_MAX);
    }
    json_decref(servers);
    json_decref(searches);
    json_decref(options);
    *ret = text_close(&t, arena);
    if (*ret == NULL)
        return husk_error_set(err, 12, "out of memory writing resolv.conf");
    return 0;
}
