#define _GNU_SOURCE
/* orphans N: makes N orphans at once and times their reaping by whoever adopts them.
 * Each of N children forks a grandchild and exits; the grandchildren (orphans now, so
 * adopted by the nearest subreaper or PID 1) block on a gate pipe. The gate is closed:
 * all N exit together; we watch each through a pidfd until it is gone (reaped: the
 * pidfd answers ESRCH), and print "reaped N MS" (ms from the gate to the last reaped).
 *
 * orphans N hold FILE: the same N orphans, each in a session of its own (setsid, out of
 * our process group), but they stay; their PIDs go to FILE, one a line; we then wait.
 * (bench/reap: time from a stop request to the last process gone.) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int n = atoi(argv[1]);
  if (n <= 0 || n > 100000) return 2;
  int hold = argc > 3 && strcmp(argv[2], "hold") == 0;
  int gate[2], report[2];
  if (pipe(gate) < 0 || pipe(report) < 0) return 1;
  for (int i = 0; i < n; i++) {
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
      pid_t grandchild = fork();
      if (grandchild == 0) {
        close(gate[1]);
        if (hold) setsid();
        pid_t self = getpid();
        if (write(report[1], &self, sizeof self) != sizeof self) _exit(1);
        char c;
        while (read(gate[0], &c, 1) < 0 && errno == EINTR) {}
        if (hold) for (;;) pause();
        _exit(0);
      }
      _exit(grandchild < 0);
    }
    waitpid(child, NULL, 0);
  }
  close(report[1]);
  close(gate[0]);
  pid_t *pids = calloc(n, sizeof *pids);
  int *fds = calloc(n, sizeof *fds);
  for (int i = 0; i < n; i++) {
    if (read(report[0], &pids[i], sizeof pids[i]) != sizeof pids[i]) return 1;
    fds[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
  }
  if (hold) {
    FILE *out = fopen(argv[3], "w");
    for (int i = 0; i < n; i++) fprintf(out, "%d\n", pids[i]);
    fclose(out);
    for (;;) pause();
  }
  long long began = now_ns();
  close(gate[1]);
  int left = n;
  long long deadline = began + 30LL * 1000000000LL;
  while (left > 0 && now_ns() < deadline) {
    for (int i = 0; i < n; i++) {
      if (fds[i] < 0) continue;
      if (syscall(SYS_pidfd_send_signal, fds[i], 0, NULL, 0) < 0 && errno == ESRCH) {
        close(fds[i]);
        fds[i] = -1;
        left--;
      }
    }
    if (left > 0) usleep(50);
  }
  printf("reaped %d %.3f\n", n - left, (now_ns() - began) / 1e6);
  return left > 0;
}
