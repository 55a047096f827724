/* The node's trash: directories no one needs any more (a deleted pod's dir and logs, a finished pod's
 * sandbox dir) are renamed into DATA_DIR/trash, an O(1) step, and removed there by a thread of the trash's
 * own at the lowest priority. Removing a pod's ~50 files took ~8 ms of the pod worker's deletion (before
 * the API saw the pod gone) and, for a pod that finished, competed with the next pods' starts. */
#ifndef HUSK_NODE_TRASH_H
#define HUSK_NODE_TRASH_H

#include "base/error.h"

struct node_trash;

/* Makes DIR (same file system as what goes into it) and starts the thread, which first empties what a
 * previous daemon left there. */
int node_trash_new(const char *dir, struct node_trash **ret, husk_error *err);

/* Moves path into the trash and wakes the thread; removes it at once where it cannot be moved (another
 * file system). Neither follows a symlink nor crosses into a mount left behind. */
void node_trash_put(struct node_trash *trash, const char *path);

/* Stops the thread once its current removal is done; what is left goes at the next start. */
void node_trash_free(struct node_trash *trash);

#endif
