/* Locks, process attributes and signals: flock, prctl, kill, killpg. */
#include "steward.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* flock(fd, "shared" | "exclusive" | "unlock", wait) -> true, or false when
 * not waiting and another holder has it. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
  napi_value argv[3], v;
  int fd;
  bool wait;
  if (!arg_count(env, info, 3, argv, NULL) || !get_int(env, argv[0], "fd", &fd) ||
      !get_bool(env, argv[2], "wait", &wait))
    return NULL;
  char *mode = get_string(env, argv[1], "mode", NULL);
  if (!mode) return NULL;
  int op = strcmp(mode, "shared") == 0 ? LOCK_SH : strcmp(mode, "exclusive") == 0 ? LOCK_EX
         : strcmp(mode, "unlock") == 0 ? LOCK_UN : -1;
  free(mode);
  if (op < 0) return throw_type(env, "mode must be shared, exclusive or unlock");
  if (!wait) op |= LOCK_NB;
  int rc;
  do rc = flock(fd, op);
  while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno != EWOULDBLOCK) return throw_errno(env, "flock", errno);
  napi_get_boolean(env, rc == 0, &v);
  return v;
}

static napi_value js_set_child_subreaper(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool on;
  if (!arg_count(env, info, 1, argv, NULL) || !get_bool(env, argv[0], "on", &on)) return NULL;
  if (prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0) < 0) return throw_errno(env, "prctl(PR_SET_CHILD_SUBREAPER)", errno);
  return NULL;
}

static napi_value js_get_child_subreaper(napi_env env, napi_callback_info info) {
  int on = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &on) < 0) return throw_errno(env, "prctl(PR_GET_CHILD_SUBREAPER)", errno);
  napi_value v;
  napi_get_boolean(env, on != 0, &v);
  return v;
}

/* setParentDeathSignal(signal): 0 clears it. */
static napi_value js_set_parent_death_signal(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int sig;
  if (!arg_count(env, info, 1, argv, NULL) || !get_int(env, argv[0], "signal", &sig)) return NULL;
  if (prctl(PR_SET_PDEATHSIG, sig) < 0) return throw_errno(env, "prctl(PR_SET_PDEATHSIG)", errno);
  return NULL;
}

static napi_value js_get_parent_death_signal(napi_env env, napi_callback_info info) {
  int sig = 0;
  if (prctl(PR_GET_PDEATHSIG, &sig) < 0) return throw_errno(env, "prctl(PR_GET_PDEATHSIG)", errno);
  return make_int(env, sig);
}

static napi_value signal_call(napi_env env, napi_callback_info info, bool group) {
  napi_value argv[2];
  int target, sig;
  if (!arg_count(env, info, 2, argv, NULL) || !get_int(env, argv[0], group ? "pgid" : "pid", &target) ||
      !get_int(env, argv[1], "signal", &sig))
    return NULL;
  if (target <= 0) return throw_errno(env, group ? "killpg" : "kill", EINVAL); /* never broadcast by accident */
  if ((group ? killpg(target, sig) : kill(target, sig)) < 0) return throw_errno(env, group ? "killpg" : "kill", errno);
  return NULL;
}

static napi_value js_kill(napi_env env, napi_callback_info info) {
  return signal_call(env, info, false);
}

static napi_value js_killpg(napi_env env, napi_callback_info info) {
  return signal_call(env, info, true);
}

static void set_constant(napi_env env, napi_value obj, const char *name, int value) {
  set_named(env, obj, name, make_int(env, value));
}

void register_locks(napi_env env, napi_value exports) {
  EXPORT_FN(env, exports, "flock", js_flock);
  EXPORT_FN(env, exports, "setChildSubreaper", js_set_child_subreaper);
  EXPORT_FN(env, exports, "getChildSubreaper", js_get_child_subreaper);
  EXPORT_FN(env, exports, "setParentDeathSignal", js_set_parent_death_signal);
  EXPORT_FN(env, exports, "getParentDeathSignal", js_get_parent_death_signal);
  EXPORT_FN(env, exports, "kill", js_kill);
  EXPORT_FN(env, exports, "killpg", js_killpg);

  napi_value limits;
  napi_create_object(env, &limits);
  set_constant(env, limits, "CPU", RLIMIT_CPU);
  set_constant(env, limits, "FSIZE", RLIMIT_FSIZE);
  set_constant(env, limits, "DATA", RLIMIT_DATA);
  set_constant(env, limits, "STACK", RLIMIT_STACK);
  set_constant(env, limits, "CORE", RLIMIT_CORE);
  set_constant(env, limits, "RSS", RLIMIT_RSS);
  set_constant(env, limits, "NPROC", RLIMIT_NPROC);
  set_constant(env, limits, "NOFILE", RLIMIT_NOFILE);
  set_constant(env, limits, "MEMLOCK", RLIMIT_MEMLOCK);
  set_constant(env, limits, "AS", RLIMIT_AS);
  set_constant(env, limits, "LOCKS", RLIMIT_LOCKS);
  set_constant(env, limits, "SIGPENDING", RLIMIT_SIGPENDING);
  set_constant(env, limits, "MSGQUEUE", RLIMIT_MSGQUEUE);
  set_constant(env, limits, "NICE", RLIMIT_NICE);
  set_constant(env, limits, "RTPRIO", RLIMIT_RTPRIO);
  set_constant(env, limits, "RTTIME", RLIMIT_RTTIME);
  set_named(env, exports, "rlimits", limits);
}
