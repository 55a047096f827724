/* The daemon's own certificate authority, serving certificate, admin token and admin kubeconfig, made on
 * first start as k3s does: DATA_DIR/tls/{ca.crt,ca.key,server.crt,server.key}, DATA_DIR/token and
 * DATA_DIR/kubeconfig.yaml, all mode 0600. The CA and token are kept across restarts; the serving
 * certificate is issued again at each start, so its names follow --node-name and --listen. */
#ifndef HUSK_API_PKI_H
#define HUSK_API_PKI_H

#include "base/error.h"

#include <stdint.h>

struct api_pki {
    char *ca_cert_pem;
    char *server_cert_pem;
    char *server_key_pem;
    char *token;
};

/* Loads or creates everything under data_dir; the serving certificate names 127.0.0.1, localhost,
 * node_name and listen_host. */
int api_pki_ensure(const char *data_dir, const char *node_name, const char *listen_host, struct api_pki *ret,
                   husk_error *err);

void api_pki_free(struct api_pki *pki);

/* Writes an admin kubeconfig (cluster, user and context "husk") for https://HOST:PORT. */
int api_kubeconfig_write(const char *path, const char *host, uint16_t port, const struct api_pki *pki,
                         husk_error *err);

#endif
