/* Certificates with OpenSSL 3's libcrypto: an EC P-256 CA valid ten years and a serving certificate it
 * signs; see pki.h. Files are written to a temporary name and renamed, so a crash never leaves half a key. */
#include "api/pki.h"
#include "base/cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_PEM_BYTES (64 * 1024)

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

static char *bio_string(BIO *bio)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    char *s = len >= 0 ? strndup(data, (size_t)len) : NULL;
    BIO_free(bio);
    return s;
}

static char *cert_pem(X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !PEM_write_bio_X509(bio, x)) {
        BIO_free(bio);
        return NULL;
    }
    return bio_string(bio);
}

static char *key_pem(EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(bio);
        return NULL;
    }
    return bio_string(bio);
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* A certificate for key, named cn, signed by issuer_key (issuer NULL: self-signed). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, const char *san)
{
    X509 *x = X509_new();
    unsigned char serial[16];
    if (x == NULL || RAND_bytes(serial, sizeof serial) != 1)
        goto fail;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509 *signer = issuer ? issuer : x;
    int r = issuer == NULL
                ? add_ext(x, signer, NID_basic_constraints, "critical,CA:TRUE") |
                      add_ext(x, signer, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign")
                : add_ext(x, signer, NID_basic_constraints, "critical,CA:FALSE") |
                      add_ext(x, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment") |
                      add_ext(x, signer, NID_ext_key_usage, "serverAuth") |
                      add_ext(x, signer, NID_subject_alt_name, san);
    r |= add_ext(x, signer, NID_subject_key_identifier, "hash");
    if (r != 0 || !X509_sign(x, issuer_key, EVP_sha256()))
        goto fail;
    return x;
fail:
    X509_free(x);
    return NULL;
}

static int load_or_create_ca(const char *dir, EVP_PKEY **ret_key, X509 **ret_cert, husk_error *err)
{
    char kp[4096], cp[4096];
    if (path_join(kp, sizeof kp, dir, "ca.key", err) < 0 || path_join(cp, sizeof cp, dir, "ca.crt", err) < 0)
        return -1;
    cleanup_fclose FILE *kf = fopen(kp, "re");
    cleanup_fclose FILE *cf = fopen(cp, "re");
    if (kf != NULL && cf != NULL) {
        *ret_key = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
        *ret_cert = PEM_read_X509(cf, NULL, NULL, NULL);
    }
    if (*ret_key != NULL && *ret_cert != NULL)
        return 0;
    if (kf != NULL || cf != NULL)
        return husk_error_set(err, EINVAL, "%s or %s is unreadable; remove both to make a new CA", kp, cp);
    *ret_key = EVP_EC_gen("P-256");
    *ret_cert = *ret_key ? make_cert(*ret_key, "husk-ca", NULL, *ret_key, NULL) : NULL;
    if (*ret_cert == NULL)
        return husk_error_set(err, EIO, "cannot create the CA certificate");
    char *kpem = key_pem(*ret_key), *cpem = cert_pem(*ret_cert);
    int r = 0;
    if (kpem == NULL || cpem == NULL) {
        husk_error_set(err, ENOMEM, "cannot encode the CA");
        r = -1;
    } else if (write_file_0600(kp, kpem, strlen(kpem), err) < 0 ||
               write_file_0600(cp, cpem, strlen(cpem), err) < 0) {
        r = -1;
    }
    free(kpem);
    free(cpem);
    return r;
}

static int issue_server_cert(const char *dir, EVP_PKEY *ca_key, X509 *ca, const char *node_name,
                             const char *listen_host, struct api_pki *ret, husk_error *err)
{
    struct in6_addr probe;
    char san[1024];
    int n = snprintf(san, sizeof san, "IP:127.0.0.1,DNS:localhost,DNS:%s", node_name);
    if (listen_host && strcmp(listen_host, "127.0.0.1") != 0 &&
        (inet_pton(AF_INET, listen_host, &probe) == 1 || inet_pton(AF_INET6, listen_host, &probe) == 1))
        snprintf(san + n, sizeof san - (size_t)n, ",IP:%s", listen_host);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = key ? make_cert(key, "husk-apiserver", ca, ca_key, san) : NULL;
    ret->server_key_pem = key ? key_pem(key) : NULL;
    ret->server_cert_pem = cert ? cert_pem(cert) : NULL;
    ret->ca_cert_pem = cert_pem(ca);
    X509_free(cert);
    EVP_PKEY_free(key);
    if (ret->server_key_pem == NULL || ret->server_cert_pem == NULL || ret->ca_cert_pem == NULL)
        return husk_error_set(err, EIO, "cannot issue the serving certificate");
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
    if (RAND_bytes(raw, sizeof raw) != 1)
        return husk_error_set(err, EIO, "no randomness for the admin token");
    ret->token = malloc(2 * sizeof raw + 2);
    if (ret->token == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(ret->token + 2 * i, 3, "%02x", raw[i]);
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
    EVP_PKEY *ca_key = NULL;
    X509 *ca = NULL;
    struct api_pki pki = {0};
    int r = load_or_create_ca(dir, &ca_key, &ca, err);
    if (r == 0)
        r = issue_server_cert(dir, ca_key, ca, node_name, listen_host, &pki, err);
    if (r == 0)
        r = load_or_create_token(data_dir, &pki, err);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
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
    unsigned char b64[8192];
    if (4 * ((len + 2) / 3) + 1 > sizeof b64)
        return husk_error_set(err, EINVAL, "the CA certificate is too large for the kubeconfig");
    EVP_EncodeBlock(b64, (const unsigned char *)pki->ca_cert_pem, (int)len);
    bool v6 = strchr(host, ':') != NULL;
    cleanup_free char *text = NULL;
    int n = asprintf(
        &text,
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
        "    server: https://%s%s%s:%u\n  name: husk\ncontexts:\n- context:\n    cluster: husk\n"
        "    user: admin\n  name: husk\ncurrent-context: husk\npreferences: {}\nusers:\n- name: admin\n"
        "  user:\n    token: %s\n",
        (const char *)b64, v6 ? "[" : "", host, v6 ? "]" : "", port, pki->token);
    if (n < 0)
        return husk_error_set(err, ENOMEM, "out of memory");
    return write_file_0600(path, text, (size_t)n, err);
}
