/* CNI network configs in a config dir, as libcni reads them (ConfFiles, ConfListFromFile): *.conflist,
 * *.conf and *.json files in name order; the first whose "name" is the network wins. A .conf holds one
 * plugin and becomes a list of one. */
#include "node/cni.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool config_file(const char *name)
{
    const char *dot = strrchr(name, '.');
    return name[0] != '.' && dot != NULL &&
           (strcmp(dot, ".conflist") == 0 || strcmp(dot, ".conf") == 0 || strcmp(dot, ".json") == 0);
}

/* A .conf (one plugin) as a conflist. */
static json_t *as_list(json_t *conf, const char *file)
{
    if (json_is_array(json_object_get(conf, "plugins")))
        return conf;
    if (strstr(file, ".conflist") != NULL || json_string_value(json_object_get(conf, "type")) == NULL) {
        json_decref(conf);
        return NULL;
    }
    json_t *list = json_pack("{s:O*,s:O*,s:[O]}", "cniVersion", json_object_get(conf, "cniVersion"), "name",
                             json_object_get(conf, "name"), "plugins", conf);
    json_decref(conf);
    return list;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int node_cni_find_network(const char *dir, const char *network, json_t **ret, husk_error *err)
{
    *ret = NULL;
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0)
        return errno == ENOENT ? 0 : husk_error_set_errno(err, errno, "reading the CNI config dir %s", dir);
    for (int i = 0; i < n; i++) {
        if (*ret == NULL && config_file(names[i]->d_name)) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            json_error_t jerr;
            json_t *conf = json_load_file(path, 0, &jerr);
            if (conf == NULL)
                log_warn("CNI config %s is not JSON (line %d: %s); skipped", path, jerr.line, jerr.text);
            const char *name = json_string_value(json_object_get(conf, "name"));
            if (name != NULL && strcmp(name, network) == 0) {
                *ret = as_list(conf, path);
                if (*ret == NULL)
                    log_warn("CNI config %s has no plugins; skipped", path);
            } else {
                json_decref(conf);
            }
        }
        free(names[i]);
    }
    free(names);
    return 0;
}

/* "10.85.0.0/16" → "10.85.0.1": the first address of an IPv4 subnet. */
static int gateway_of(const char *subnet, char *out, size_t size, husk_error *err)
{
    unsigned a, b, c, d, bits;
    char rest;
    if (sscanf(subnet, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &bits, &rest) != 5 || a > 255 || b > 255 ||
        c > 255 || d > 255 || bits < 8 || bits > 30)
        return husk_error_set(err, EINVAL, "pod subnet \"%s\" is not an IPv4 CIDR between /8 and /30",
                              subnet);
    uint32_t ip = (a << 24) | (b << 16) | (c << 8) | d;
    uint32_t mask = 0xffffffffU << (32 - bits);
    if ((ip & ~mask) != 0)
        return husk_error_set(err, EINVAL, "pod subnet \"%s\" has host bits set", subnet);
    ip |= 1;
    snprintf(out, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    return 0;
}

int node_cni_write_default(const char *dir, const char *subnet, husk_error *err)
{
    char gateway[32];
    if (gateway_of(subnet, gateway, sizeof gateway, err) < 0 || husk_mkdir_p(dir, 0755, err) < 0)
        return -1;
    json_t *conf =
        json_pack("{s:s,s:s,s:[{s:s,s:s,s:b,s:b,s:b,s:{s:s,s:[{s:s}],s:[[{s:s,s:s}]]}},{s:s,s:{s:b}},{s:s}]}",
                  "cniVersion", "1.0.0", "name", "husk", "plugins", "type", "bridge", "bridge", "husk0",
                  "isGateway", 1, "ipMasq", 1, "hairpinMode", 1, "ipam", "type", "host-local", "routes",
                  "dst", "0.0.0.0/0", "ranges", "subnet", subnet, "gateway", gateway, "type", "portmap",
                  "capabilities", "portMappings", 1, "type", "firewall");
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/10-husk.conflist", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int r = conf == NULL ? -1 : json_dump_file(conf, tmp, JSON_INDENT(2));
    json_decref(conf);
    if (r < 0 || rename(tmp, path) < 0)
        return husk_error_set_errno(err, errno, "writing the default CNI network %s", path);
    log_info("wrote the default pod network to %s (bridge husk0, subnet %s)", path, subnet);
    return 0;
}
