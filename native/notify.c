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

/* Receives one datagram into a JS object; false when nothing is left. */
static bool receive_one(napi_env env, int fd, napi_value *out) {
  static char data[NOTIFY_BUFFER_MAX];
  static union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * NOTIFY_FD_MAX)];
  } control;
  struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
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

  napi_value item, v;
  napi_create_object(env, &item);
  void *copy;
  napi_create_buffer_copy(env, (size_t)n, data, &copy, &v);
  set_named(env, item, "data", v);
  if (cred) {
    set_named(env, item, "pid", make_int(env, cred->pid));
    set_named(env, item, "uid", make_int(env, cred->uid));
    set_named(env, item, "gid", make_int(env, cred->gid));
  } else {
    napi_get_null(env, &v);
    set_named(env, item, "pid", v);
    set_named(env, item, "uid", v);
    set_named(env, item, "gid", v);
  }
  set_named(env, item, "fds", make_int_array(env, fds, nfds));
  napi_get_boolean(env, truncated, &v);
  set_named(env, item, "truncated", v);
  *out = item;
  return true;
}

/* Senders block while the socket's queue is full (net.unix.max_dgram_qlen, as few as
 * 10): after handing a batch to JavaScript, look again at once instead of going back
 * to epoll, so that a busy sender keeps moving. */
#define ROUNDS 16

static void on_readable(uv_poll_t *poll, int status, int events) {
  struct notify_watch *w = poll->data;
  for (int round = 0; round < ROUNDS && !w->base.closed; round++) {
    napi_env env = w->base.cb.env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value batch, item;
    napi_create_array(env, &batch);
    uint32_t count = 0;
    while (count < BATCH && receive_one(env, w->fd, &item)) napi_set_element(env, batch, count++, item);
    if (count > 0) js_callback_call(&w->base.cb, 1, &batch);
    napi_close_handle_scope(env, scope);
    if (count == 0) break;
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

/* notifyWatch(fd, callback(messages)): the fd stays the caller's to close,
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
