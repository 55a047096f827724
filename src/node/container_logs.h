/* Rotated container logs: compression and the count limit (the kubelet's container log manager; the
 * supervisor does the rotation itself). */
#ifndef HUSK_NODE_CONTAINER_LOGS_H
#define HUSK_NODE_CONTAINER_LOGS_H

/* One pass over DATA_DIR/logs: in each container's dir, every rotated N.log.* but the newest is gzipped,
 * and the oldest beyond max_files - 1 rotated files (the live N.log makes max_files) are removed. */
void node_container_logs_housekeep(const char *logs_dir, int max_files);

#endif
