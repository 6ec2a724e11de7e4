/* Watch sets: an epoll set wired into libuv with uv_poll. Each member fd is
 * reported once, when it becomes readable ("readable": a pidfd whose process
 * exited) or hangs up ("hangup": registered with no events, so only
 * EPOLLHUP/EPOLLERR wake it, as systemd watches its fd store). A reported fd
 * leaves the set. Every fd ready in one wake-up comes in one array.
 * Remove an fd before closing it: epoll watches the open file, not the number. */
#include "steward.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

struct watch_set {
  struct handle base;
  int epfd;
  uint32_t events;
  uv_poll_t poll;
};

#define BATCH 256

static void on_ready(uv_poll_t *poll, int status, int events) {
  struct watch_set *w = poll->data;
  if (w->base.closed) return;
  struct epoll_event ready[BATCH];
  int n;
  do n = epoll_wait(w->epfd, ready, BATCH, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return;
  int fds[BATCH];
  for (int i = 0; i < n; i++) {
    fds[i] = ready[i].data.fd;
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, fds[i], NULL);
  }
  napi_env env = w->base.cb.env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arr = make_int_array(env, fds, (size_t)n);
  js_callback_call(&w->base.cb, 1, &arr);
  napi_close_handle_scope(env, scope);
}

static void on_uv_closed(uv_handle_t *h) {
  struct watch_set *w = h->data;
  close(w->epfd);
  release_handle(&w->base);
}

static void close_watch_set(struct handle *h) {
  struct watch_set *w = (struct watch_set *)h;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_uv_closed);
}

/* watchSetCreate("readable" | "hangup", callback(fds)). */
static napi_value js_watch_set_create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!arg_count(env, info, 2, argv, NULL)) return NULL;
  char *kind = get_string(env, argv[0], "kind", NULL);
  if (!kind) return NULL;
  uint32_t events;
  if (strcmp(kind, "readable") == 0) events = EPOLLIN;
  else if (strcmp(kind, "hangup") == 0) events = 0;
  else {
    free(kind);
    return throw_type(env, "kind must be \"readable\" or \"hangup\"");
  }
  free(kind);
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return throw_errno(env, "epoll_create1", errno);
  struct watch_set *w = calloc(1, sizeof *w);
  if (!w || !js_callback_init(env, argv[1], "steward:watchset", &w->base.cb)) {
    close(epfd);
    free(w);
    return w ? NULL : throw_errno(env, "watchSetCreate", ENOMEM);
  }
  w->epfd = epfd;
  w->events = events;
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &w->poll, epfd);
  w->poll.data = w;
  uv_poll_start(&w->poll, UV_READABLE, on_ready);
  w->base.close = close_watch_set;
  w->base.primary = (uv_handle_t *)&w->poll;
  return wrap_handle(env, &w->base);
}

static struct watch_set *watch_set_args(napi_env env, napi_callback_info info, int *fd) {
  napi_value argv[2];
  if (!arg_count(env, info, 2, argv, NULL)) return NULL;
  struct handle *h = unwrap_handle(env, argv[0]);
  if (!h || !get_int(env, argv[1], "fd", fd)) return NULL;
  if (h->close != close_watch_set) return throw_type(env, "not a watch set"), NULL;
  return (struct watch_set *)h;
}

/* watchSetAdd(set, fd): EEXIST when the fd is already a member. */
static napi_value js_watch_set_add(napi_env env, napi_callback_info info) {
  int fd;
  struct watch_set *w = watch_set_args(env, info, &fd);
  if (!w) return NULL;
  struct epoll_event ev = {.events = w->events, .data.fd = fd};
  if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) return throw_errno(env, "epoll_ctl", errno);
  return NULL;
}

/* watchSetRemove(set, fd) -> whether it was a member. */
static napi_value js_watch_set_remove(napi_env env, napi_callback_info info) {
  int fd;
  struct watch_set *w = watch_set_args(env, info, &fd);
  if (!w) return NULL;
  bool removed = epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL) == 0;
  if (!removed && errno != ENOENT && errno != EBADF) return throw_errno(env, "epoll_ctl", errno);
  napi_value v;
  napi_get_boolean(env, removed, &v);
  return v;
}

void register_watchset(napi_env env, napi_value exports) {
  EXPORT_FN(env, exports, "watchSetCreate", js_watch_set_create);
  EXPORT_FN(env, exports, "watchSetAdd", js_watch_set_add);
  EXPORT_FN(env, exports, "watchSetRemove", js_watch_set_remove);
}
