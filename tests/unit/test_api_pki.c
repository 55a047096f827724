/* Unit tests for the daemon's CA, serving certificate, admin token and kubeconfig (src/api/pki.c): the
 * serving certificate chains to the CA and carries the names kubectl checks, a restart keeps the CA and
 * the token, and a CA that husk wrote with OpenSSL before it moved to GnuTLS still loads. */
#include "api/pki.h"
#include "base/base64.h"
#include "harness.h"
#include "image/files.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <sys/stat.h>

/* DATA_DIR/tls/ca.key and ca.crt as husk's OpenSSL code wrote them (PKCS#8 EC P-256 key). */
static const char openssl_ca_key[] = "-----BEGIN PRIVATE KEY-----\n"
                                     "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg5+ayb9rSxpKNzdsT\n"
                                     "cmfm5l7ElXoi2UKALbT3ugjqYiahRANCAATNW61e6MYB3ihbKCWJnOEpSxkE93zX\n"
                                     "k9RkAdkr9LIsHZgWRC0FPWbPK24NRIrds/9EUkhWS3GR+hoarhlrw2Ux\n"
                                     "-----END PRIVATE KEY-----\n";
static const char openssl_ca_cert[] = "-----BEGIN CERTIFICATE-----\n"
                                      "MIIBYzCCAQqgAwIBAgIQKbGEKGQBZPPSDxjb7hrdsTAKBggqhkjOPQQDAjASMRAw\n"
                                      "DgYDVQQDDAdodXNrLWNhMB4XDTI2MTEyNzA3MjkxNVoXDTM2MTEyNDA4MjkxNVow\n"
                                      "EjEQMA4GA1UEAwwHaHVzay1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABM1b\n"
                                      "rV7oxgHeKFsoJYmc4SlLGQT3fNeT1GQB2Sv0siwdmBZELQU9Zs8rbg1Eit2z/0RS\n"
                                      "SFZLcZH6GhquGWvDZTGjQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQD\n"
                                      "AgGGMB0GA1UdDgQWBBQSL7eiGm8fFcAeU/FmTduXM+50tTAKBggqhkjOPQQDAgNH\n"
                                      "ADBEAiA5oH9VXGX0b9grisvNiHLlL3fT7flayP7VlFqdE2egggIgKn1K/nFK7yKd\n"
                                      "MOFVe1fSmniXBzsAMVU6yb3QUCnXq6k=\n"
                                      "-----END CERTIFICATE-----\n";

static char dir[256];

static void make_data_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/husk-pki-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

static void remove_data_dir(void)
{
    husk_error err = {0};
    image_remove_tree_at(AT_FDCWD, dir, &err);
}

static void write_text(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "we");
    CHECK(f != NULL);
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
}

/* A data dir whose tls/ holds the CA files given (NULL: that file is missing). */
static void make_data_dir_with_ca(const char *key_pem, const char *cert_pem)
{
    make_data_dir();
    char tls[300];
    snprintf(tls, sizeof tls, "%s/tls", dir);
    CHECK(mkdir(tls, 0700) == 0);
    if (key_pem != NULL)
        write_text("tls/ca.key", key_pem);
    if (cert_pem != NULL)
        write_text("tls/ca.crt", cert_pem);
}

/* The whole of DATA_DIR/name (free it). */
static char *read_text(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "re");
    CHECK(f != NULL);
    char *text = calloc(1, 16384);
    CHECK(text != NULL);
    size_t n = fread(text, 1, 16383, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static int mode_of(const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK(stat(path, &st) == 0);
    return (int)(st.st_mode & 07777);
}

static gnutls_x509_crt_t parse_cert(const char *pem)
{
    gnutls_x509_crt_t crt = NULL;
    CHECK(gnutls_x509_crt_init(&crt) == 0);
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};
    CHECK(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) == 0);
    return crt;
}

static bool names_ip(gnutls_x509_crt_t crt, const char *ip)
{
    unsigned char addr[4];
    CHECK(inet_pton(AF_INET, ip, addr) == 1);
    return gnutls_x509_crt_check_ip(crt, addr, sizeof addr, 0) != 0;
}

/* The serving certificate chains to the CA, as kubectl verifies it, and is for a server. */
static void check_chain(const struct api_pki *pki)
{
    gnutls_x509_crt_t ca = parse_cert(pki->ca_cert_pem), server = parse_cert(pki->server_cert_pem);
    unsigned status = ~0u;
    CHECK_INT_EQ(gnutls_x509_crt_verify(server, &ca, 1, 0, &status), 0);
    CHECK_INT_EQ(status, 0);
    CHECK(gnutls_x509_crt_check_key_purpose(server, GNUTLS_KP_TLS_WWW_SERVER, 0));
    CHECK_INT_EQ(gnutls_x509_crt_get_ca_status(server, NULL), 0);
    CHECK_INT_EQ(gnutls_x509_crt_get_ca_status(ca, NULL), 1);
    gnutls_x509_crt_deinit(server);
    gnutls_x509_crt_deinit(ca);
}

TEST(pki_serving_certificate_chains_to_the_ca_and_names_the_node)
{
    make_data_dir();
    struct api_pki pki;
    husk_error err = {0};
    CHECK_INT_EQ(api_pki_ensure(dir, "node-a", "10.1.2.3", &pki, &err), 0);
    check_chain(&pki);
    gnutls_x509_crt_t server = parse_cert(pki.server_cert_pem);
    CHECK(gnutls_x509_crt_check_hostname(server, "localhost"));
    CHECK(gnutls_x509_crt_check_hostname(server, "node-a"));
    CHECK(!gnutls_x509_crt_check_hostname(server, "node-b"));
    CHECK(names_ip(server, "127.0.0.1"));
    CHECK(names_ip(server, "10.1.2.3"));
    CHECK(!names_ip(server, "10.1.2.4"));
    gnutls_x509_crt_deinit(server);
    CHECK_STR_CONTAINS(pki.server_key_pem, "-----BEGIN PRIVATE KEY-----");
    CHECK_INT_EQ(strlen(pki.token), 64);
    static const char *const files[] = {"tls/ca.key", "tls/ca.crt", "tls/server.key", "tls/server.crt",
                                        "token"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        CHECK_INT_EQ(mode_of(files[i]), 0600);
    char *ca_file = read_text("tls/ca.crt");
    CHECK_STR_EQ(ca_file, pki.ca_cert_pem);
    free(ca_file);
    api_pki_free(&pki);
    remove_data_dir();
}

TEST(pki_keeps_the_ca_and_token_and_issues_a_new_serving_certificate)
{
    make_data_dir();
    struct api_pki first, second;
    husk_error err = {0};
    CHECK_INT_EQ(api_pki_ensure(dir, "node-a", NULL, &first, &err), 0);
    CHECK_INT_EQ(api_pki_ensure(dir, "node-b", NULL, &second, &err), 0);
    CHECK_STR_EQ(second.ca_cert_pem, first.ca_cert_pem);
    CHECK_STR_EQ(second.token, first.token);
    CHECK(strcmp(second.server_cert_pem, first.server_cert_pem) != 0);
    check_chain(&second);
    gnutls_x509_crt_t server = parse_cert(second.server_cert_pem);
    CHECK(gnutls_x509_crt_check_hostname(server, "node-b"));
    gnutls_x509_crt_deinit(server);
    api_pki_free(&first);
    api_pki_free(&second);
    remove_data_dir();
}

TEST(pki_loads_a_ca_written_by_openssl)
{
    make_data_dir_with_ca(openssl_ca_key, openssl_ca_cert);
    struct api_pki pki;
    husk_error err = {0};
    CHECK_INT_EQ(api_pki_ensure(dir, "node-a", NULL, &pki, &err), 0);
    check_chain(&pki);
    /* The same certificate, as GnuTLS writes it out again. */
    CHECK_STR_EQ(pki.ca_cert_pem, openssl_ca_cert);
    char *key = read_text("tls/ca.key");
    CHECK_STR_EQ(key, openssl_ca_key);
    free(key);
    api_pki_free(&pki);
    remove_data_dir();
}

TEST(pki_refuses_half_a_ca)
{
    make_data_dir_with_ca(NULL, openssl_ca_cert);
    struct api_pki pki;
    husk_error err = {0};
    CHECK_INT_EQ(api_pki_ensure(dir, "node-a", NULL, &pki, &err), -1);
    CHECK_STR_CONTAINS(err.message, "remove both to make a new CA");
    write_text("tls/ca.key", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
    CHECK_INT_EQ(api_pki_ensure(dir, "node-a", NULL, &pki, &err), -1);
    CHECK_STR_CONTAINS(err.message, "is unreadable");
    remove_data_dir();
}

TEST(kubeconfig_carries_the_ca_the_server_and_the_token)
{
    make_data_dir();
    struct api_pki pki;
    husk_error err = {0};
    CHECK_INT_EQ(api_pki_ensure(dir, "node-a", NULL, &pki, &err), 0);
    char path[300];
    snprintf(path, sizeof path, "%s/kubeconfig.yaml", dir);
    CHECK_INT_EQ(api_kubeconfig_write(path, "::1", 6443, &pki, &err), 0);
    char *text = read_text("kubeconfig.yaml");
    char *ca = husk_base64_encode_alloc(pki.ca_cert_pem, strlen(pki.ca_cert_pem));
    CHECK(ca != NULL);
    char line[8192];
    snprintf(line, sizeof line, "certificate-authority-data: %s\n", ca);
    CHECK_STR_CONTAINS(text, line);
    CHECK_STR_CONTAINS(text, "server: https://[::1]:6443\n");
    snprintf(line, sizeof line, "token: %s\n", pki.token);
    CHECK_STR_CONTAINS(text, line);
    CHECK_INT_EQ(mode_of("kubeconfig.yaml"), 0600);
    free(ca);
    free(text);
    api_pki_free(&pki);
    remove_data_dir();
}
