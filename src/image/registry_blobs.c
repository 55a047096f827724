/* Parallel blob downloads with curl multi; see registry.h. Each blob streams into a blob writer (a temp
 * file in the store, hashed on the way) and is renamed into place only when its size and digest match the
 * descriptor; a failed transfer is retried with a fresh temp file, so nothing partial is ever used. */
#include "base/cleanup.h"
#include "base/crashpoint.h"
#include "image/registry_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define PARALLEL_DOWNLOADS 4
#define DOWNLOAD_ATTEMPTS  3

struct transfer {
    const struct image_descriptor *blob;
    struct image_store *store;
    struct image_blob_writer *writer;
    CURL *curl;
    struct curl_slist *headers;
    husk_error write_err;
    long long received;
    int attempts;
    bool write_failed, done;
};

static size_t write_blob(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200)
        return n; /* an error page: not part of the blob */
    /* Never accept more than the manifest declared (a hostile registry could stream forever). */
    if (t->received + (long long)n > t->blob->size) {
        husk_error_set(&t->write_err, EBADMSG, "blob %s: the registry sent more than the declared %lld bytes",
                       t->blob->digest, t->blob->size);
        t->write_failed = true;
        return 0;
    }
    if (image_blob_write(t->writer, data, n, &t->write_err) < 0) {
        t->write_failed = true;
        return 0;
    }
    t->received += (long long)n;
    husk_crash_point("pull-blob");
    return n;
}

static int transfer_start(struct registry_client *c, CURLM *multi, struct transfer *t, husk_error *err)
{
    cleanup_free char *url = NULL;
    if (asprintf(&url, "%s/v2/%s/blobs/%s", c->base, c->repository, t->blob->digest) < 0)
        return husk_error_set(err, ENOMEM, "out of memory");
    if (image_blob_begin(t->store, &t->writer, err) < 0)
        return -1;
    t->curl = curl_easy_init();
    if (t->curl == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    t->received = 0;
    t->write_failed = false;
    t->attempts++;
    registry_setup_easy(t->curl, c, url);
    if (c->authorization != NULL) {
        char auth[8192];
        snprintf(auth, sizeof auth, "Authorization: %s", c->authorization);
        t->headers = curl_slist_append(NULL, auth);
        curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->headers);
    }
    curl_easy_setopt(t->curl, CURLOPT_WRITEFUNCTION, write_blob);
    curl_easy_setopt(t->curl, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->curl, CURLOPT_PRIVATE, t);
    curl_multi_add_handle(multi, t->curl);
    return 0;
}

static void transfer_reset(CURLM *multi, struct transfer *t)
{
    if (t->curl != NULL) {
        curl_multi_remove_handle(multi, t->curl);
        curl_easy_cleanup(t->curl);
        t->curl = NULL;
    }
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    image_blob_abort(t->writer);
    t->writer = NULL;
}

/* A finished transfer: commit the blob, or decide whether to retry. Returns 1 to retry, 0, or -1. */
static int transfer_finish(CURLM *multi, struct transfer *t, CURLcode result, husk_error *err)
{
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (t->write_failed) {
        *err = t->write_err;
        transfer_reset(multi, t);
        return -1;
    }
    if (result == CURLE_OK && status == 200) {
        struct image_blob_writer *w = t->writer;
        t->writer = NULL;
        transfer_reset(multi, t);
        if (image_blob_commit(w, t->blob->digest, t->blob->size, NULL, err) < 0)
            return husk_error_wrap(err, "downloading blob %s", t->blob->digest);
        t->done = true;
        return 0;
    }
    if (result != CURLE_OK)
        husk_error_set(err, EIO, "downloading blob %s: %s", t->blob->digest, curl_easy_strerror(result));
    else
        husk_error_set(err, EIO, "downloading blob %s: HTTP %ld", t->blob->digest, status);
    transfer_reset(multi, t);
    /* Network failures and server errors are worth another try; 4xx answers are not. */
    bool transient = result != CURLE_OK || status >= 500 || status == 429;
    return transient && t->attempts < DOWNLOAD_ATTEMPTS ? 1 : -1;
}

static int start_next(struct registry_client *c, CURLM *multi, struct transfer *ts, size_t n, size_t *next,
                      int *running, husk_error *err)
{
    while (*running < PARALLEL_DOWNLOADS && *next < n) {
        if (transfer_start(c, multi, &ts[(*next)++], err) < 0)
            return -1;
        (*running)++;
    }
    return 0;
}

static void report(image_progress_fn progress, void *data, const struct transfer *ts, size_t n)
{
    long long done = 0, total = 0;
    int finished = 0;
    for (size_t i = 0; i < n; i++) {
        total += ts[i].blob->size;
        done += ts[i].done ? ts[i].blob->size : ts[i].received;
        finished += ts[i].done;
    }
    progress(data, done, total, finished, (int)n);
}

static int run_multi(struct registry_client *c, CURLM *multi, struct transfer *ts, size_t n,
                     image_progress_fn progress, void *progress_data, husk_error *err)
{
    size_t next = 0;
    int running = 0, still = 0;
    if (start_next(c, multi, ts, n, &next, &running, err) < 0)
        return -1;
    while (running > 0) {
        curl_multi_perform(multi, &still);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct transfer *t = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            int r = transfer_finish(multi, t, msg->data.result, err);
            running--;
            if (r < 0)
                return -1;
            if (r == 1) {
                struct timespec pause = {0, 300000000L * t->attempts};
                nanosleep(&pause, NULL);
                if (transfer_start(c, multi, t, err) < 0)
                    return -1;
                running++;
            }
        }
        if (start_next(c, multi, ts, n, &next, &running, err) < 0)
            return -1;
        if (progress != NULL)
            report(progress, progress_data, ts, n);
        if (running > 0)
            curl_multi_poll(multi, NULL, 0, 200, NULL);
    }
    return 0;
}

int registry_download_blobs(struct registry_client *c, struct image_store *s,
                            const struct image_descriptor *blobs, size_t n, image_progress_fn progress,
                            void *progress_data, husk_error *err)
{
    struct transfer *ts = calloc(n + 1, sizeof *ts);
    CURLM *multi = curl_multi_init();
    if (ts == NULL || multi == NULL) {
        free(ts);
        curl_multi_cleanup(multi);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!image_store_has_blob(s, blobs[i].digest))
            ts[k++] = (struct transfer){.blob = &blobs[i], .store = s};
    int rc = run_multi(c, multi, ts, k, progress, progress_data, err);
    for (size_t i = 0; i < k; i++)
        transfer_reset(multi, &ts[i]);
    curl_multi_cleanup(multi);
    free(ts);
    return rc;
}
