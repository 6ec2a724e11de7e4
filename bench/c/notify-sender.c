#define _GNU_SOURCE
/* notify-sender N: sends N "STATUS=..." datagrams to $NOTIFY_SOCKET, then READY=1.
 * Blocking sends, as sd_notify does: when the receiver falls behind, we wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000;
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path || !*path) return 2;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = 0;
  socklen_t salen = offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  char msg[64];
  for (long i = 0; i < n; i++) {
    int m = snprintf(msg, sizeof msg, "STATUS=message %ld", i);
    if (sendto(fd, msg, m, 0, (struct sockaddr *)&sa, salen) < 0) { perror("sendto"); return 1; }
  }
  sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa, salen);
  pause(); /* stay the main process until stopped */
  return 0;
}
