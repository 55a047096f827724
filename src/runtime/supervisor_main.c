/* The husk-supervisor program: a separate small executable, so that each pod costs only what this needs
 * (not the daemon's API server, store and image code). */
#include "runtime/supervisor.h"

int main(int argc, char **argv)
{
    return runtime_supervisor_main(argc, argv);
}
