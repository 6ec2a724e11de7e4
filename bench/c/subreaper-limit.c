#define _GNU_SOURCE
/* subreaper-limit CMD ARG...: the physical limit of reaping: a child subreaper that runs
 * CMD and does nothing but wait for any child, until none is left. Exits with CMD's status. */
#include <errno.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  pid_t main_pid = fork();
  if (main_pid == 0) {
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  int code = 0, status;
  for (;;) {
    pid_t pid = wait(&status);
    if (pid < 0 && errno == ECHILD) break;
    if (pid == main_pid) code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return code;
}
