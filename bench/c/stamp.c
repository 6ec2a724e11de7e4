#define _GNU_SOURCE
/* stamp FILE MODE [NOTIFY_FD]: the one service program every supervisor runs in the
 * benchmarks. It appends "S pid ns" (CLOCK_MONOTONIC) to FILE as soon as it runs, then:
 *   exit    appends "E pid ns" and exits 0 at once (restart latency: next S - last E)
 *   sleep   waits until it is signalled (a sleep-like service)
 *   notify  appends "R pid ns" and reports readiness: READY=1 to $NOTIFY_SOCKET when set,
 *           and a newline on NOTIFY_FD when given (s6's notification-fd); then waits.
 * Lines are written with one O_APPEND write each, so many services may share FILE.
 * Without arguments (s6 and runit exec ./run, a link to this program) FILE, MODE and
 * NOTIFY_FD come from $STAMP_FILE, $STAMP_MODE and $STAMP_NOTIFY_FD. */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int out;

static void stamp(char kind) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  char line[64];
  int n = snprintf(line, sizeof line, "%c %d %lld\n", kind, (int)getpid(), (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
  if (write(out, line, n) != n) _exit(3);
}

static void ready(const char *fd_arg) {
  const char *path = getenv("NOTIFY_SOCKET");
  stamp('R');
  if (path && *path) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof sa.sun_path) _exit(4);
    memcpy(sa.sun_path, path, len);
    if (path[0] == '@') sa.sun_path[0] = 0;
    socklen_t salen = offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa, salen) < 0) _exit(5);
    close(fd);
  }
  if (fd_arg) {
    int fd = atoi(fd_arg);
    if (write(fd, "\n", 1) != 1) _exit(6);
    close(fd);
  }
}

int main(int argc, char **argv) {
  const char *file = argc > 2 ? argv[1] : getenv("STAMP_FILE");
  const char *mode = argc > 2 ? argv[2] : getenv("STAMP_MODE");
  const char *notify_fd = argc > 3 ? argv[3] : argc > 2 ? NULL : getenv("STAMP_NOTIFY_FD");
  if (!file || !mode) return 2;
  out = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (out < 0) return 2;
  stamp('S');
  if (strcmp(mode, "exit") == 0) {
    stamp('E');
    _exit(0);
  }
  if (strcmp(mode, "notify") == 0) ready(notify_fd && *notify_fd ? notify_fd : NULL);
  for (;;) pause();
}
