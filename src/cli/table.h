/* kubectl's human-readable output for `husk get`: columns per kind (pods: NAME READY STATUS RESTARTS AGE),
 * padded as kubectl's tabwriter pads them (three spaces between columns). */
#ifndef HUSK_CLI_TABLE_H
#define HUSK_CLI_TABLE_H

#include "objects/kind.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Prints items (an array of objects of kind) as a table with the server's printer columns; without the
 * header line when header is false (the rows `get -w` prints as changes arrive). */
void cli_print_table(FILE *out, const struct objects_kind *kind, const json_t *items, bool with_namespace,
                     bool wide, bool header);

/* kubectl's short durations: "45s", "3m20s", "5h", "12d". */
void cli_human_duration(char *buf, size_t size, long seconds);

/* Seconds since an RFC 3339 timestamp; -1 when it does not parse. */
long cli_age_seconds(const char *timestamp, time_t now);

#endif
