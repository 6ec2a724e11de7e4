#define _GNU_SOURCE
/* notify-sender N: sends N "STATUS=..." datagrams to $NOTIFY_SOCKET, then a
 * BARRIER=1 with a pipe, and waits until the receiver closes it: by then every
 * message was handled. Writes messages per second (first send to barrier
 * answered) to $RATE_FILE, sends READY=1 and stays until stopped. Blocking sends,
 * as sd_notify does: when the receiver falls behind, we wait. */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000;
  const char *path = getenv("NOTIFY_SOCKET"), *rate_file = getenv("RATE_FILE");
  if (!path || !*path || !rate_file) return 2;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  if (len >= sizeof sa.sun_path) return 2;
  memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = 0;
  socklen_t salen = offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  char msg[64];
  double start = now();
  for (long i = 0; i < n; i++) {
    int m = snprintf(msg, sizeof msg, "STATUS=message %ld", i);
    if (sendto(fd, msg, m, 0, (struct sockaddr *)&sa, salen) < 0) { perror("sendto"); return 1; }
  }
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) { perror("pipe"); return 1; }
  union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control = {0};
  struct iovec iov = {.iov_base = "BARRIER=1", .iov_len = 9};
  struct msghdr mh = {.msg_name = &sa, .msg_namelen = salen, .msg_iov = &iov, .msg_iovlen = 1,
                      .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &pipefd[1], sizeof(int));
  if (sendmsg(fd, &mh, 0) < 0) { perror("sendmsg"); return 1; }
  close(pipefd[1]);
  struct pollfd answer = {.fd = pipefd[0], .events = POLLIN};
  poll(&answer, 1, -1);
  double seconds = now() - start;
  FILE *out = fopen(rate_file, "w");
  if (!out) { perror(rate_file); return 1; }
  fprintf(out, "%.0f\n", n / seconds);
  fclose(out);
  sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa, salen);
  pause(); /* stay the main process until stopped */
  return 0;
}
