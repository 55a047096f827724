/* Unpacking one image layer (a tar, plain, gzip or zstd) into an empty directory, in the form overlayfs
 * expects for a lower directory: whiteouts ".wh.NAME" become 0/0 character devices and opaque markers
 * ".wh..wh..opq" become the trusted.overlay.opaque=y xattr. Owners, modes, xattrs, hard links, symlinks and
 * device nodes are kept. Every path is resolved inside the root (safepath.h); a hostile entry fails the
 * whole layer with a message naming the entry. */
#ifndef HUSK_IMAGE_UNPACK_H
#define HUSK_IMAGE_UNPACK_H

#include "base/error.h"
#include "image/digest.h"

/* Reads the layer from fd (any position-independent stream) and unpacks it into rootfd. On success
 * ret_diff_id holds the sha256 of the uncompressed tar (the "diff ID" an image config lists). */
int image_unpack_layer(int fd, int rootfd, char ret_diff_id[IMAGE_DIGEST_STRING_SIZE], husk_error *err);

#endif
