/* What the daemon's shared libraries cost before husk runs a line: built by bench/run.sh against exactly the
 * libraries the husk binary names (DT_NEEDED), it prints its own RSS in kB and exits. */
#include <stdio.h>
#include <string.h>

int main(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    long kb = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "Rss: %ld kB", &kb) == 1)
            break;
    if (f != NULL)
        fclose(f);
    printf("%ld\n", kb);
    return kb < 0;
}
