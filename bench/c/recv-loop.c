#define _GNU_SOURCE
/* recv-loop ADDRESS N: the physical limit: a bare recvmsg loop with SO_PASSCRED
 * on a datagram socket, receiving N+1 messages (as many as notify-sender sends). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *path = argv[1];
  long n = atol(argv[2]) + 1;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = 0;
  socklen_t salen = offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&sa, salen) < 0) { perror("bind"); return 1; }
  printf("ready\n");
  fflush(stdout);
  char buf[4096];
  union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 768)]; } control;
  struct timespec start, end;
  for (long i = 0; i < n; i++) {
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b, .msg_controllen = sizeof control.b};
    if (recvmsg(fd, &mh, MSG_CMSG_CLOEXEC) < 0) { perror("recvmsg"); return 1; }
    if (i == 0) clock_gettime(CLOCK_MONOTONIC, &start);
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
  printf("%.0f\n", (n - 1) / seconds);
  return 0;
}
