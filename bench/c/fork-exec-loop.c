#define _GNU_SOURCE
/* fork-exec-loop N PROG ARG...: the physical limit of restart latency: fork, execve
 * PROG, wait for it, again, N times, with nothing in between. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long n = atol(argv[1]);
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      execv(argv[2], argv + 2);
      _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) return 1;
  }
  return 0;
}
