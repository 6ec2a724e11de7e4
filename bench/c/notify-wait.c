#define _GNU_SOURCE
/* notify-wait ADDRESS: bind a notify socket, print "ready" once bound, then the
 * CLOCK_MONOTONIC time (ns) at which READY=1 arrives, and exit. Lets a benchmark hear
 * `steward up` say that its initial start jobs are done. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t len = strlen(argv[1]);
  memcpy(sa.sun_path, argv[1], len);
  if (argv[1][0] == '@') sa.sun_path[0] = 0;
  socklen_t salen = offsetof(struct sockaddr_un, sun_path) + len + (argv[1][0] == '@' ? 0 : 1);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (bind(fd, (struct sockaddr *)&sa, salen) < 0) { perror("bind"); return 1; }
  printf("ready\n");
  fflush(stdout);
  char buf[4096];
  for (;;) {
    ssize_t got = recv(fd, buf, sizeof buf - 1, 0);
    if (got < 0) return 1;
    buf[got] = 0;
    if (strstr(buf, "READY=1")) break;
  }
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  printf("%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
  return 0;
}
