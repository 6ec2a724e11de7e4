/* The reaper: SIGCHLD through uv_signal, then waitid(P_ALL) until nothing is
 * left, handing every state change of this wake-up to JavaScript as one array.
 * It reaps every child, ours or adopted, which is why nothing else in the
 * process may spawn with libuv (it would lose its children to us). */
#include "steward.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

struct reaper {
  struct handle base;
  uv_signal_t sigchld;
  uv_async_t kick; /* drains once right after start, for children that died before */
  int open_uv_handles;
};

static struct reaper *running_reaper;

struct child_change {
  int pid;
  int code;
  int status;
};

static const char *code_name(int code) {
  switch (code) {
    case CLD_EXITED: return "exited";
    case CLD_KILLED: return "killed";
    case CLD_DUMPED: return "dumped";
    case CLD_STOPPED: return "stopped";
    case CLD_TRAPPED: return "trapped";
    case CLD_CONTINUED: return "continued";
    default: return "unknown";
  }
}

/* Collects every pending change; returns the count (the array grows as needed). */
static size_t drain(struct child_change **out) {
  size_t count = 0, cap = 0;
  struct child_change *changes = NULL;
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG) < 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: no children at all */
    }
    if (si.si_pid == 0) break;
    if (count == cap) {
      cap = cap ? cap * 2 : 16;
      struct child_change *grown = realloc(changes, cap * sizeof *changes);
      if (!grown) break; /* the rest waits for the next wake-up */
      changes = grown;
    }
    changes[count++] = (struct child_change){si.si_pid, si.si_code, si.si_status};
  }
  *out = changes;
  return count;
}

static napi_value changes_to_js(napi_env env, struct child_change *changes, size_t n) {
  napi_value arr;
  napi_create_array_with_length(env, n, &arr);
  for (size_t i = 0; i < n; i++) {
    napi_value item;
    napi_create_object(env, &item);
    set_named(env, item, "pid", make_int(env, changes[i].pid));
    set_named(env, item, "code", make_string(env, code_name(changes[i].code)));
    set_named(env, item, "status", make_int(env, changes[i].status));
    napi_set_element(env, arr, (uint32_t)i, item);
  }
  return arr;
}

static void deliver(struct reaper *r) {
  if (r->base.closed) return;
  struct child_change *changes = NULL;
  size_t n = drain(&changes);
  if (n > 0) {
    napi_env env = r->base.cb.env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value arr = changes_to_js(env, changes, n);
    js_callback_call(&r->base.cb, 1, &arr);
    napi_close_handle_scope(env, scope);
  }
  free(changes);
}

static void on_sigchld(uv_signal_t *sig, int signum) {
  deliver(sig->data);
}

static void on_kick(uv_async_t *kick) {
  deliver(kick->data);
}

static void on_uv_closed(uv_handle_t *h) {
  struct reaper *r = h->data;
  if (--r->open_uv_handles == 0) release_handle(&r->base);
}

static void close_reaper(struct handle *h) {
  struct reaper *r = (struct reaper *)h;
  if (running_reaper == r) running_reaper = NULL;
  uv_close((uv_handle_t *)&r->sigchld, on_uv_closed);
  uv_close((uv_handle_t *)&r->kick, on_uv_closed);
}

/* reaperStart(callback): one reaper per process; a second one throws EBUSY. */
static napi_value js_reaper_start(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arg_count(env, info, 1, argv, NULL)) return NULL;
  if (running_reaper) return throw_errno(env, "reaperStart", EBUSY);
  struct reaper *r = calloc(1, sizeof *r);
  if (!r) return throw_errno(env, "reaperStart", ENOMEM);
  if (!js_callback_init(env, argv[0], "steward:reaper", &r->base.cb)) {
    free(r);
    return NULL;
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_signal_init(loop, &r->sigchld);
  uv_async_init(loop, &r->kick, on_kick);
  r->sigchld.data = r->kick.data = r;
  r->open_uv_handles = 2;
  int rc = uv_signal_start(&r->sigchld, on_sigchld, SIGCHLD);
  if (rc < 0) {
    js_callback_free(&r->base.cb);
    r->base.owners = 1;
    close_reaper(&r->base);
    return throw_errno(env, "uv_signal_start", -rc);
  }
  uv_unref((uv_handle_t *)&r->kick); /* only sigchld decides whether the loop stays alive */
  uv_async_send(&r->kick);
  r->base.close = close_reaper;
  r->base.primary = (uv_handle_t *)&r->sigchld;
  running_reaper = r;
  return wrap_handle(env, &r->base);
}

/* reapNow(): drains synchronously and returns the changes (for start-up and tests). */
static napi_value js_reap_now(napi_env env, napi_callback_info info) {
  struct child_change *changes = NULL;
  size_t n = drain(&changes);
  napi_value arr = changes_to_js(env, changes, n);
  free(changes);
  return arr;
}

void register_reaper(napi_env env, napi_value exports) {
  EXPORT_FN(env, exports, "reaperStart", js_reaper_start);
  EXPORT_FN(env, exports, "reapNow", js_reap_now);
}
