/* husk-image: the whole CLI, with the image commands (pull, load, save, ...) that `husk` is linked without,
 * so that it need not load libarchive and what that brings; `husk image ...` execs this, and the daemon
 * runs `husk-image image pull` for a pod's image. */
#include "cli/cli.h"

/* Links the image commands in: commands.c refers to them only weakly. */
__attribute__((used)) static int (*const image_verb)(int, char **) = cli_cmd_image;

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
