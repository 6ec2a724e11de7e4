/* pidfds: a handle on one process that can never reach a recycled PID.
 * Watching one for exit is a watch set ("readable") in watchset.c. */
#include "steward.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* pidfdOpen(pid) -> fd (close-on-exec). */
static napi_value js_pidfd_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int pid;
  if (!arg_count(env, info, 1, argv, NULL) || !get_int(env, argv[0], "pid", &pid)) return NULL;
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) return throw_errno(env, "pidfd_open", errno);
  return make_int(env, fd);
}

/* pidfdSendSignal(pidfd, signal): ESRCH once the process has been reaped. */
static napi_value js_pidfd_send_signal(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd, sig;
  if (!arg_count(env, info, 2, argv, NULL) || !get_int(env, argv[0], "pidfd", &fd) ||
      !get_int(env, argv[1], "signal", &sig))
    return NULL;
  if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0) return throw_errno(env, "pidfd_send_signal", errno);
  return NULL;
}

/* pidfdInodeId(pidfd) -> the never-recycled ID of the process on pidfs kernels
 * (what MAINPIDFDID= carries), as a bigint. */
static napi_value js_pidfd_inode_id(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!arg_count(env, info, 1, argv, NULL) || !get_int(env, argv[0], "pidfd", &fd)) return NULL;
  struct stat st;
  if (fstat(fd, &st) < 0) return throw_errno(env, "fstat", errno);
  napi_value id;
  napi_create_bigint_uint64(env, (uint64_t)st.st_ino, &id);
  return id;
}

void register_pidfd(napi_env env, napi_value exports) {
  EXPORT_FN(env, exports, "pidfdOpen", js_pidfd_open);
  EXPORT_FN(env, exports, "pidfdSendSignal", js_pidfd_send_signal);
  EXPORT_FN(env, exports, "pidfdInodeId", js_pidfd_inode_id);
}
