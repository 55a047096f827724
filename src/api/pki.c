/* Certificates with GnuTLS, which libmicrohttpd serves TLS with: an EC P-256 CA valid ten years and a
 * serving certificate it signs; see pki.h. Keys are PKCS#8 PEM ("BEGIN PRIVATE KEY") and certificates PEM,
 * as husk wrote them with OpenSSL before, so a CA made then still loads. Files are written to a temporary
 * name and renamed, so a crash never leaves half a key. */
#include "api/pki.h"
#include "base/base64.h"
#include "base/cleanup.h"
#include "base/hex.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_PEM_BYTES         (64 * 1024)
#define CERT_LIFETIME_SECONDS (10L * 365 * 24 * 3600)
#define CERT_BACKDATE_SECONDS 3600

static void husk_x509_crt_deinitp(gnutls_x509_crt_t *crt)
{
    if (*crt != NULL)
        gnutls_x509_crt_deinit(*crt);
}

static void husk_x509_privkey_deinitp(gnutls_x509_privkey_t *key)
{
    if (*key != NULL)
        gnutls_x509_privkey_deinit(*key);
}

#define cleanup_x509_crt     __attribute__((cleanup(husk_x509_crt_deinitp)))
#define cleanup_x509_privkey __attribute__((cleanup(husk_x509_privkey_deinitp)))

/* dir/name into buf; fails rather than truncating. */
static int path_join(char *buf, size_t size, const char *dir, const char *name, husk_error *err)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size)
        return husk_error_set(err, ENAMETOOLONG, "path %s/%s is too long", dir, name);
    return 0;
}

static int write_file_0600(const char *path, const char *data, size_t len, husk_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "creating %s", tmp);
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return husk_error_set_errno(err, errno, "writing %s", tmp);
        off += (size_t)n;
    }
    if (fsync(fd) < 0 || rename(tmp, path) < 0)
        return husk_error_set_errno(err, errno, "saving %s", path);
    return 0;
}

/* Reads a small file; returns NULL (errno ENOENT) when it does not exist. */
static char *read_small_file(const char *path)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = calloc(1, MAX_PEM_BYTES + 1);
    size_t len = 0;
    ssize_t n;
    while (buf && len < MAX_PEM_BYTES && (n = read(fd, buf + len, MAX_PEM_BYTES - len)) > 0)
        len += (size_t)n;
    return buf;
}

/* The text of a datum GnuTLS exported (r its result), as a string of ours; frees the datum. */
static char *datum_string(int r, gnutls_datum_t *d)
{
    char *s = r >= 0 ? strndup((const char *)d->data, d->size) : NULL;
    gnutls_free(d->data);
    return s;
}

static char *cert_pem(gnutls_x509_crt_t crt)
{
    gnutls_datum_t d = {0};
    return datum_string(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), &d);
}

static char *key_pem(gnutls_x509_privkey_t key)
{
    gnutls_datum_t d = {0};
    int r = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d);
    return datum_string(r, &d);
}

static int generate_key(gnutls_x509_privkey_t *ret_key, husk_error *err)
{
    cleanup_x509_privkey gnutls_x509_privkey_t key = NULL;
    int r;
    if ((r = gnutls_x509_privkey_init(&key)) < 0 ||
        (r = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0)
        return husk_error_set(err, EIO, "generating an EC P-256 key: %s", gnutls_strerror(r));
    *ret_key = steal_pointer(&key);
    return 0;
}

/* The serving certificate's names: 127.0.0.1, localhost, the node name and the listen address when it is
 * an IP address (a host name there is not added). */
static int add_server_names(gnutls_x509_crt_t crt, const char *node_name, const char *listen_host)
{
    static const unsigned char loopback[4] = {127, 0, 0, 1};
    unsigned char addr[sizeof(struct in6_addr)];
    int r;
    if ((r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, loopback, sizeof loopback,
                                                  GNUTLS_FSAN_APPEND)) < 0 ||
        (r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", strlen("localhost"),
                                                  GNUTLS_FSAN_APPEND)) < 0 ||
        (r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, node_name, strlen(node_name),
                                                  GNUTLS_FSAN_APPEND)) < 0)
        return r;
    if (listen_host == NULL || strcmp(listen_host, "127.0.0.1") == 0)
        return 0;
    if (inet_pton(AF_INET, listen_host, addr) == 1)
        return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, addr, 4, GNUTLS_FSAN_APPEND);
    if (inet_pton(AF_INET6, listen_host, addr) == 1)
        return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, addr, 16, GNUTLS_FSAN_APPEND);
    return 0;
}

/* What the CA and the serving certificate share: version 3, a random serial, ten years from an hour ago
 * (clocks differ), the subject's common name, its key and the key's identifier. */
static int set_common_fields(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn)
{
    unsigned char serial[16], key_id[64];
    size_t key_id_size = sizeof key_id;
    time_t now = time(NULL);
    int r;
    if ((r = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
        return r;
    /* Positive (top bit clear) and 16 bytes long (the next bit set: DER would drop a leading zero byte). */
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
    if ((r = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (r = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
        (r = gnutls_x509_crt_set_activation_time(crt, now - CERT_BACKDATE_SECONDS)) < 0 ||
        (r = gnutls_x509_crt_set_expiration_time(crt, now + CERT_LIFETIME_SECONDS)) < 0 ||
        (r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn))) < 0 ||
        (r = gnutls_x509_crt_set_key(crt, key)) < 0 ||
        (r = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA1, key_id, &key_id_size)) < 0)
        return r;
    return gnutls_x509_crt_set_subject_key_id(crt, key_id, key_id_size);
}

/* The self-signed CA: critical CA:TRUE, may sign certificates and CRLs. */
static int make_ca_cert(gnutls_x509_privkey_t key, gnutls_x509_crt_t *ret_cert, husk_error *err)
{
    cleanup_x509_crt gnutls_x509_crt_t crt = NULL;
    int r;
    if ((r = gnutls_x509_crt_init(&crt)) < 0 || (r = set_common_fields(crt, key, "husk-ca")) < 0 ||
        (r = gnutls_x509_crt_set_basic_constraints(crt, 1, -1)) < 0 ||
        (r = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_CERT_SIGN |
                                                    GNUTLS_KEY_CRL_SIGN)) < 0 ||
        (r = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
        return husk_error_set(err, EIO, "cannot create the CA certificate: %s", gnutls_strerror(r));
    *ret_cert = steal_pointer(&crt);
    return 0;
}

/* The serving certificate for key, signed by the CA: critical CA:FALSE, serverAuth, the names above. */
static int make_server_cert(gnutls_x509_privkey_t key, gnutls_x509_crt_t ca, gnutls_x509_privkey_t ca_key,
                            const char *node_name, const char *listen_host, gnutls_x509_crt_t *ret_cert,
                            husk_error *err)
{
    cleanup_x509_crt gnutls_x509_crt_t crt = NULL;
    int r;
    if ((r = gnutls_x509_crt_init(&crt)) < 0 || (r = set_common_fields(crt, key, "husk-apiserver")) < 0 ||
        (r = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (r = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT)) <
            0 ||
        (r = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
        (r = add_server_names(crt, node_name, listen_host)) < 0 ||
        (r = gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0)) < 0)
        return husk_error_set(err, EIO, "cannot issue the serving certificate: %s", gnutls_strerror(r));
    *ret_cert = steal_pointer(&crt);
    return 0;
}

/* Reads the CA's key and certificate from their PEM files; *ret_found false when neither exists. */
static int load_ca(const char *key_path, const char *cert_path, gnutls_x509_privkey_t *ret_key,
                   gnutls_x509_crt_t *ret_cert, bool *ret_found, husk_error *err)
{
    cleanup_free char *key_text = read_small_file(key_path);
    cleanup_free char *cert_text = read_small_file(cert_path);
    *ret_found = key_text != NULL || cert_text != NULL;
    if (!*ret_found)
        return 0;
    cleanup_x509_privkey gnutls_x509_privkey_t key = NULL;
    cleanup_x509_crt gnutls_x509_crt_t crt = NULL;
    if (key_text == NULL || cert_text == NULL || gnutls_x509_privkey_init(&key) < 0 ||
        gnutls_x509_crt_init(&crt) < 0 ||
        gnutls_x509_privkey_import2(key, &(gnutls_datum_t){(unsigned char *)key_text, strlen(key_text)},
                                    GNUTLS_X509_FMT_PEM, NULL, 0) < 0 ||
        gnutls_x509_crt_import(crt, &(gnutls_datum_t){(unsigned char *)cert_text, strlen(cert_text)},
                               GNUTLS_X509_FMT_PEM) < 0)
        return husk_error_set(err, EINVAL, "%s or %s is unreadable; remove both to make a new CA", key_path,
                              cert_path);
    *ret_key = steal_pointer(&key);
    *ret_cert = steal_pointer(&crt);
    return 0;
}

static int load_or_create_ca(const char *dir, gnutls_x509_privkey_t *ret_key, gnutls_x509_crt_t *ret_cert,
                             husk_error *err)
{
    char kp[4096], cp[4096];
    bool found = false;
    if (path_join(kp, sizeof kp, dir, "ca.key", err) < 0 ||
        path_join(cp, sizeof cp, dir, "ca.crt", err) < 0 ||
        load_ca(kp, cp, ret_key, ret_cert, &found, err) < 0)
        return -1;
    if (found)
        return 0;
    cleanup_x509_privkey gnutls_x509_privkey_t key = NULL;
    cleanup_x509_crt gnutls_x509_crt_t crt = NULL;
    if (generate_key(&key, err) < 0 || make_ca_cert(key, &crt, err) < 0)
        return -1;
    char *kpem = key_pem(key), *cpem = cert_pem(crt);
    int r = 0;
    if (kpem == NULL || cpem == NULL)
        r = husk_error_set(err, ENOMEM, "cannot encode the CA");
    else if (write_file_0600(kp, kpem, strlen(kpem), err) < 0 ||
             write_file_0600(cp, cpem, strlen(cpem), err) < 0)
        r = -1;
    free(kpem);
    free(cpem);
    if (r < 0)
        return -1;
    *ret_key = steal_pointer(&key);
    *ret_cert = steal_pointer(&crt);
    return 0;
}

static int issue_server_cert(const char *dir, gnutls_x509_privkey_t ca_key, gnutls_x509_crt_t ca,
                             const char *node_name, const char *listen_host, struct api_pki *ret,
                             husk_error *err)
{
    cleanup_x509_privkey gnutls_x509_privkey_t key = NULL;
    cleanup_x509_crt gnutls_x509_crt_t crt = NULL;
    if (generate_key(&key, err) < 0 ||
        make_server_cert(key, ca, ca_key, node_name, listen_host, &crt, err) < 0)
        return -1;
    ret->server_key_pem = key_pem(key);
    ret->server_cert_pem = cert_pem(crt);
    ret->ca_cert_pem = cert_pem(ca);
    if (ret->server_key_pem == NULL || ret->server_cert_pem == NULL || ret->ca_cert_pem == NULL)
        return husk_error_set(err, ENOMEM, "cannot encode the serving certificate");
    char path[4096];
    if (path_join(path, sizeof path, dir, "server.crt", err) < 0 ||
        write_file_0600(path, ret->server_cert_pem, strlen(ret->server_cert_pem), err) < 0)
        return -1;
    if (path_join(path, sizeof path, dir, "server.key", err) < 0)
        return -1;
    return write_file_0600(path, ret->server_key_pem, strlen(ret->server_key_pem), err);
}

static int load_or_create_token(const char *data_dir, struct api_pki *ret, husk_error *err)
{
    char path[4096];
    if (path_join(path, sizeof path, data_dir, "token", err) < 0)
        return -1;
    ret->token = read_small_file(path);
    if (ret->token != NULL) {
        ret->token[strcspn(ret->token, "\r\n")] = '\0';
        if (strlen(ret->token) >= 32)
            return 0;
        free(ret->token);
        ret->token = NULL;
    }
    unsigned char raw[32];
    if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) < 0)
        return husk_error_set(err, EIO, "no randomness for the admin token");
    ret->token = malloc(2 * sizeof raw + 1);
    if (ret->token == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    husk_hex_encode(raw, sizeof raw, ret->token);
    char line[2 * sizeof raw + 2];
    snprintf(line, sizeof line, "%s\n", ret->token);
    return write_file_0600(path, line, strlen(line), err);
}

int api_pki_ensure(const char *data_dir, const char *node_name, const char *listen_host, struct api_pki *ret,
                   husk_error *err)
{
    char dir[3072];
    if (path_join(dir, sizeof dir, data_dir, "tls", err) < 0)
        return -1;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return husk_error_set_errno(err, errno, "creating %s", dir);
    cleanup_x509_privkey gnutls_x509_privkey_t ca_key = NULL;
    cleanup_x509_crt gnutls_x509_crt_t ca = NULL;
    struct api_pki pki = {0};
    int r = load_or_create_ca(dir, &ca_key, &ca, err);
    if (r == 0)
        r = issue_server_cert(dir, ca_key, ca, node_name, listen_host, &pki, err);
    if (r == 0)
        r = load_or_create_token(data_dir, &pki, err);
    if (r < 0) {
        api_pki_free(&pki);
        return -1;
    }
    *ret = pki;
    return 0;
}

void api_pki_free(struct api_pki *pki)
{
    free(pki->ca_cert_pem);
    free(pki->server_cert_pem);
    free(pki->server_key_pem);
    free(pki->token);
    *pki = (struct api_pki){0};
}

int api_kubeconfig_write(const char *path, const char *host, uint16_t port, const struct api_pki *pki,
                         husk_error *err)
{
    size_t len = strlen(pki->ca_cert_pem);
    char b64[8192];
    if (HUSK_BASE64_ENCODED_SIZE(len) > sizeof b64)
        return husk_error_set(err, EINVAL, "the CA certificate is too large for the kubeconfig");
    husk_base64_encode(pki->ca_cert_pem, len, b64);
    bool v6 = strchr(host, ':') != NULL;
    cleanup_free char *text = NULL;
    int n = asprintf(
        &text,
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
        "    server: https://%s%s%s:%u\n  name: husk\ncontexts:\n- context:\n    cluster: husk\n"
        "    user: admin\n  name: husk\ncurrent-context: husk\npreferences: {}\nusers:\n- name: admin\n"
        "  user:\n    token: %s\n",
        b64, v6 ? "[" : "", host, v6 ? "]" : "", port, pki->token);
    if (n < 0)
        return husk_error_set(err, ENOMEM, "out of memory");
    return write_file_0600(path, text, (size_t)n, err);
}
