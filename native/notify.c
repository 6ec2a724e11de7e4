/* The notify socket: AF_UNIX datagrams with the sender's kernel credentials
 * (SO_PASSCRED) and optional fds (SCM_RIGHTS), received in batches, plus the
 * sending side (sd_pid_notify_with_fds). */
#include "steward.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NOTIFY_BUFFER_MAX 4096 /* PIPE_BUF, as systemd: a longer message is truncated and refused */
#define NOTIFY_FD_MAX 768      /* systemd's receive limit; more sets MSG_CTRUNC */
#define BATCH 256              /* messages per wake-up; the rest wakes us again */


/* notifyBind(address) -> fd: non-blocking, close-on-exec, SO_PASSCRED, large buffer. */
static napi_value js_notify_bind(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arg_count(env, info, 1, argv, NULL)) return NULL;
  char *address = get_string(env, argv[0], "address", NULL);
  if (!address) return NULL;
  struct sockaddr_un sa;
  socklen_t len;
  bool ok = unix_address(address, &sa, &len);
  free(address);
  if (!ok) return throw_errno(env, "bind", errno);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1, size = 8 * 1024 * 1024;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt(SO_PASSCRED)", err);
  }
  /* Past rmem_max only with CAP_NET_ADMIN; otherwise the kernel clamps SO_RCVBUF. */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  return make_int(env, fd);
}

struct notify_watch {
  struct handle base;
  uv_poll_t poll;
  int fd;
};

static void close_all(const int *fds, size_t n) {
  for (size_t i = 0; i < n; i++) close(fds[i]);
}

/* A batch goes to JavaScript packed, not as one object per datagram (building
 * those cost more than receiving them): the payloads side by side in one buffer,
 * and per datagram a record in one Int32Array:
 *   offset, length, pid, uid, gid (-1: no credentials), truncated (0/1), nfds, fds...
 * A truncated datagram's fds are closed here and its nfds is 0. */
#define RECORD_HEAD 7
#define ARENA_SIZE (64 * 1024)
#define META_SIZE (BATCH * RECORD_HEAD + 4 * NOTIFY_FD_MAX)

struct batch {
  char data[ARENA_SIZE];
  size_t used;
  int32_t meta[META_SIZE];
  size_t records;
  size_t meta_used;
};

static bool batch_has_room(const struct batch *b) {
  return b->records < BATCH && b->used + NOTIFY_BUFFER_MAX <= ARENA_SIZE &&
         b->meta_used + RECORD_HEAD + NOTIFY_FD_MAX <= META_SIZE;
}

/* Receives one datagram into the batch; false when nothing is left. */
static bool receive_one(int fd, struct batch *b) {
  static union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * NOTIFY_FD_MAX)];
  } control;
  struct iovec iov = {.iov_base = b->data + b->used, .iov_len = NOTIFY_BUFFER_MAX};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return false; /* EAGAIN, or an error that the next wake-up will meet again */

  struct ucred *cred = NULL;
  int *fds = NULL;
  size_t nfds = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
      cred = (struct ucred *)CMSG_DATA(c);
    } else if (c->cmsg_type == SCM_RIGHTS && !fds) {
      fds = (int *)CMSG_DATA(c);
      nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    }
  }
  bool truncated = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
  if (truncated) {
    close_all(fds, nfds); /* a truncated message is refused whole: keep none of its fds */
    nfds = 0;
  }
  size_t length = (size_t)n < NOTIFY_BUFFER_MAX ? (size_t)n : NOTIFY_BUFFER_MAX;
  int32_t *r = b->meta + b->meta_used;
  r[0] = (int32_t)b->used;
  r[1] = (int32_t)length;
  r[2] = cred ? cred->pid : -1;
  r[3] = cred ? (int32_t)cred->uid : -1;
  r[4] = cred ? (int32_t)cred->gid : -1;
  r[5] = truncated;
  r[6] = (int32_t)nfds;
  for (size_t i = 0; i < nfds; i++) r[RECORD_HEAD + i] = fds[i];
  b->meta_used += RECORD_HEAD + nfds;
  b->used += length;
  b->records++;
  return true;
}

/* Senders block while the socket's queue is full (net.unix.max_dgram_qlen, as few as
 * 10): after handing a batch to JavaScript, look again at once instead of going back
 * to epoll, so that a busy sender keeps moving. */
#define ROUNDS 16

static void on_readable(uv_poll_t *poll, int status, int events) {
  static struct batch b;
  struct notify_watch *w = poll->data;
  for (int round = 0; round < ROUNDS && !w->base.closed; round++) {
    b.used = b.records = b.meta_used = 0;
    while (batch_has_room(&b) && receive_one(w->fd, &b)) {}
    if (b.records == 0) break;
    napi_env env = w->base.cb.env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value args[2], arraybuffer;
    void *copy;
    napi_create_buffer_copy(env, b.used, b.data, &copy, &args[0]);
    napi_create_arraybuffer(env, b.meta_used * sizeof(int32_t), &copy, &arraybuffer);
    memcpy(copy, b.meta, b.meta_used * sizeof(int32_t));
    napi_create_typedarray(env, napi_int32_array, b.meta_used, arraybuffer, 0, &args[1]);
    js_callback_call(&w->base.cb, 2, args);
    napi_close_handle_scope(env, scope);
  }
}

static void on_uv_closed(uv_handle_t *h) {
  release_handle(&((struct notify_watch *)h->data)->base);
}

static void close_notify_watch(struct handle *h) {
  struct notify_watch *w = (struct notify_watch *)h;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_uv_closed);
}

/* notifyWatch(fd, callback(data, records)): the fd stays the caller's to close,
 * after closing the watch. */
static napi_value js_notify_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  if (!arg_count(env, info, 2, argv, NULL) || !get_int(env, argv[0], "fd", &fd)) return NULL;
  struct notify_watch *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "notifyWatch", ENOMEM);
  if (!js_callback_init(env, argv[1], "steward:notify", &w->base.cb)) {
    free(w);
    return NULL;
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc < 0) {
    js_callback_free(&w->base.cb);
    free(w);
    return throw_errno(env, "uv_poll_init", -rc);
  }
  w->poll.data = w;
  w->fd = fd;
  uv_poll_start(&w->poll, UV_READABLE, on_readable);
  w->base.close = close_notify_watch;
  w->base.primary = (uv_handle_t *)&w->poll;
  return wrap_handle(env, &w->base);
}

/* notifySend(address, data, fds, pid, dontWait) -> bytes sent. With pid > 0 the
 * message carries explicit credentials naming that process (needs privilege
 * unless it is the caller's own PID). */
static napi_value js_notify_send(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int pid;
  bool dont_wait;
  int *fds = NULL;
  size_t nfds = 0;
  if (!arg_count(env, info, 5, argv, NULL) || !get_int(env, argv[3], "pid", &pid) ||
      !get_bool(env, argv[4], "dontWait", &dont_wait) || !get_int_array(env, argv[2], "fds", &fds, &nfds))
    return NULL;
  char *address = get_string(env, argv[0], "address", NULL);
  void *data = NULL;
  size_t data_len = 0;
  bool is_buffer = false;
  napi_is_buffer(env, argv[1], &is_buffer);
  if (!address || !is_buffer || nfds > 253 /* SCM_MAX_FD */) {
    free(address);
    free(fds);
    if (!address) return NULL;
    return is_buffer ? throw_errno(env, "sendmsg", E2BIG) : throw_type(env, "data must be a Buffer");
  }
  napi_get_buffer_info(env, argv[1], &data, &data_len);

  struct sockaddr_un sa;
  socklen_t sa_len;
  bool ok = unix_address(address, &sa, &sa_len);
  free(address);
  if (!ok) {
    free(fds);
    return throw_errno(env, "sendmsg", errno);
  }
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 253)];
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = data, .iov_len = data_len};
  struct msghdr msg = {.msg_name = &sa, .msg_namelen = sa_len, .msg_iov = &iov, .msg_iovlen = 1};
  size_t control_len = 0;
  struct cmsghdr *c = (struct cmsghdr *)control.buf;
  if (nfds > 0) {
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    control_len += CMSG_SPACE(sizeof(int) * nfds);
    c = (struct cmsghdr *)(control.buf + control_len);
  }
  if (pid > 0) {
    struct ucred cred = {.pid = pid, .uid = getuid(), .gid = getgid()};
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof cred);
    memcpy(CMSG_DATA(c), &cred, sizeof cred);
    control_len += CMSG_SPACE(sizeof cred);
  }
  free(fds);
  if (control_len > 0) {
    msg.msg_control = control.buf;
    msg.msg_controllen = control_len;
  }
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  ssize_t sent;
  do sent = sendmsg(fd, &msg, MSG_NOSIGNAL | (dont_wait ? MSG_DONTWAIT : 0));
  while (sent < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (sent < 0) return throw_errno(env, "sendmsg", err);
  return make_int(env, sent);
}

void register_notify(napi_env env, napi_value exports) {
  EXPORT_FN(env, exports, "notifyBind", js_notify_bind);
  EXPORT_FN(env, exports, "notifyWatch", js_notify_watch);
  EXPORT_FN(env, exports, "notifySend", js_notify_send);
}
