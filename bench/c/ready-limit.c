#define _GNU_SOURCE
/* ready-limit N STAMP FILE: the physical limit of readiness latency. N times: start
 * "STAMP FILE notify" with NOTIFY_SOCKET set, wait for its READY=1 with a bare recvmsg,
 * then fork+exec the dependent "STAMP FILE exit" at once, wait for it, and stop the first. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t start(char *const argv[]) {
  pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  return pid;
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  long n = atol(argv[1]);
  char address[64];
  snprintf(address, sizeof address, "@steward-bench-ready-%d", (int)getpid());
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t len = strlen(address);
  memcpy(sa.sun_path, address, len);
  sa.sun_path[0] = 0;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (bind(fd, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + len) < 0) { perror("bind"); return 1; }
  setenv("NOTIFY_SOCKET", address, 1);
  char *first[] = {argv[2], argv[3], "notify", NULL};
  char *second[] = {argv[2], argv[3], "exit", NULL};
  char buf[256];
  for (long i = 0; i < n; i++) {
    pid_t a = start(first);
    for (;;) {
      ssize_t got = recv(fd, buf, sizeof buf - 1, 0);
      if (got < 0) return 1;
      buf[got] = 0;
      if (strstr(buf, "READY=1")) break;
    }
    pid_t b = start(second);
    waitpid(b, NULL, 0);
    kill(a, SIGTERM);
    waitpid(a, NULL, 0);
  }
  return 0;
}
