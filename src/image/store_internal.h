/* The store's private state, shared by store.c and store_records.c only. */
#ifndef HUSK_IMAGE_STORE_INTERNAL_H
#define HUSK_IMAGE_STORE_INTERNAL_H

struct image_store {
    char *path; /* DATA_DIR/images */
    int rootfd, blobsfd, layersfd, layertmpfd, refsfd, lockfd;
};

#endif
