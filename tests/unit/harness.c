/* The runner behind harness.h: forks each registered test, enforces its timeout, prints TAP.
 * `TEST_BINARY [NAME_SUBSTRING]` runs the matching tests only. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define HARNESS_MAX_TESTS 1024

static struct harness_test tests[HARNESS_MAX_TESTS];
static int test_count;

void harness_register(const char *name, void (*fn)(void), int timeout_seconds)
{
    if (test_count == HARNESS_MAX_TESTS) {
        fprintf(stderr, "harness: more than %d tests in one binary\n", HARNESS_MAX_TESTS);
        _exit(2);
    }
    tests[test_count++] = (struct harness_test){name, fn, timeout_seconds};
}

/* Runs one test in a child whose stdout is a pipe (for a skip reason); returns 0 pass, 1 fail, 2 skip. */
static int run_one(const struct harness_test *t, char *reason, size_t reason_size)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return 1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        setpgid(0, 0);
        dup2(pipefd[1], STDOUT_FILENO);
        alarm((unsigned)t->timeout_seconds);
        t->fn();
        fflush(NULL);
        _exit(0);
    }
    close(pipefd[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    /* The test's own children (daemons it started) go with it. */
    kill(-pid, SIGKILL);
    ssize_t n = read(pipefd[0], reason, reason_size - 1);
    reason[n > 0 ? n : 0] = '\0';
    close(pipefd[0]);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == HARNESS_EXIT_SKIP)
        return 2;
    if (WIFSIGNALED(status))
        fprintf(stderr, "# %s: killed by signal %d%s\n", t->name, WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    return 1;
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int selected = 0;
    for (int i = 0; i < test_count; i++)
        if (filter == NULL || strstr(tests[i].name, filter) != NULL)
            selected++;
    printf("1..%d\n", selected);
    int number = 0, failed = 0;
    for (int i = 0; i < test_count; i++) {
        if (filter != NULL && strstr(tests[i].name, filter) == NULL)
            continue;
        char reason[512];
        int r = run_one(&tests[i], reason, sizeof reason);
        number++;
        if (r == 0)
            printf("ok %d - %s\n", number, tests[i].name);
        else if (r == 2)
            printf("ok %d - %s # skip %s\n", number, tests[i].name, reason);
        else {
            printf("not ok %d - %s\n", number, tests[i].name);
            failed++;
        }
        fflush(stdout);
    }
    return failed > 0 ? 1 : 0;
}
