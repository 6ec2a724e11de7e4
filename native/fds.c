/* fd utilities: close, duplicate, close-on-exec, identity, and the kernel
 * objects tests and the fd store need (pipes, socket pairs, memfds). */
#include "steward.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool one_fd(napi_env env, napi_callback_info info, int *fd) {
  napi_value argv[1];
  return arg_count(env, info, 1, argv, NULL) && get_int(env, argv[0], "fd", fd);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  int fd;
  if (!one_fd(env, info, &fd)) return NULL;
  /* On Linux the fd is gone even when close reports EINTR: never retry. */
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, "close", errno);
  return NULL;
}

/* dupCloexec(fd) -> a new fd >= 3 with FD_CLOEXEC. */
static napi_value js_dup_cloexec(napi_env env, napi_callback_info info) {
  int fd;
  if (!one_fd(env, info, &fd)) return NULL;
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) return throw_errno(env, "fcntl(F_DUPFD_CLOEXEC)", errno);
  return make_int(env, copy);
}

/* setCloexec(fd, on) -> the previous setting. */
static napi_value js_set_cloexec(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  bool on;
  if (!arg_count(env, info, 2, argv, NULL) || !get_int(env, argv[0], "fd", &fd) || !get_bool(env, argv[1], "on", &on))
    return NULL;
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return throw_errno(env, "fcntl(F_GETFD)", errno);
  int wanted = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
  if (wanted != flags && fcntl(fd, F_SETFD, wanted) < 0) return throw_errno(env, "fcntl(F_SETFD)", errno);
  napi_value v;
  napi_get_boolean(env, (flags & FD_CLOEXEC) != 0, &v);
  return v;
}

/* fdIdentity(fd) -> {dev, ino: bigint, mode, accessMode}: equal for dups of one open object.
 * The access mode tells a pipe's read end from its write end (one inode), as systemd's
 * same_fd() does with F_GETFL where it cannot use kcmp. */
static napi_value js_fd_identity(napi_env env, napi_callback_info info) {
  int fd;
  if (!one_fd(env, info, &fd)) return NULL;
  struct stat st;
  if (fstat(fd, &st) < 0) return throw_errno(env, "fstat", errno);
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return throw_errno(env, "fcntl(F_GETFL)", errno);
  napi_value result, dev, ino;
  napi_create_object(env, &result);
  napi_create_bigint_uint64(env, (uint64_t)st.st_dev, &dev);
  napi_create_bigint_uint64(env, (uint64_t)st.st_ino, &ino);
  set_named(env, result, "dev", dev);
  set_named(env, result, "ino", ino);
  set_named(env, result, "mode", make_int(env, st.st_mode));
  set_named(env, result, "accessMode", make_int(env, flags & O_ACCMODE));
  return result;
}

/* fdsSameFile(a, b) -> whether both fds refer to the same open file description
 * (kcmp), or null where the kernel does not allow kcmp here. */
static napi_value js_fds_same_file(napi_env env, napi_callback_info info) {
  napi_value argv[2], v;
  int a, b;
  if (!arg_count(env, info, 2, argv, NULL) || !get_int(env, argv[0], "a", &a) || !get_int(env, argv[1], "b", &b))
    return NULL;
  pid_t self = getpid();
  long r = syscall(SYS_kcmp, self, self, KCMP_FILE, a, b);
  if (r < 0) {
    if (errno == ENOSYS || errno == EPERM || errno == EACCES) {
      napi_get_null(env, &v);
      return v;
    }
    return throw_errno(env, "kcmp", errno);
  }
  napi_get_boolean(env, r == 0, &v);
  return v;
}

static napi_value fd_pair(napi_env env, const int fds[2]) {
  return make_int_array(env, fds, 2);
}

/* pipe() -> [readEnd, writeEnd], both close-on-exec. */
static napi_value js_pipe(napi_env env, napi_callback_info info) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return throw_errno(env, "pipe2", errno);
  return fd_pair(env, fds);
}

/* socketPair("stream" | "dgram" | "seqpacket") -> [a, b], AF_UNIX, close-on-exec. */
static napi_value js_socket_pair(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arg_count(env, info, 1, argv, NULL)) return NULL;
  char *kind = get_string(env, argv[0], "type", NULL);
  if (!kind) return NULL;
  int type = strcmp(kind, "stream") == 0 ? SOCK_STREAM : strcmp(kind, "dgram") == 0 ? SOCK_DGRAM
           : strcmp(kind, "seqpacket") == 0 ? SOCK_SEQPACKET : -1;
  free(kind);
  if (type < 0) return throw_type(env, "type must be stream, dgram or seqpacket");
  int fds[2];
  if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) < 0) return throw_errno(env, "socketpair", errno);
  return fd_pair(env, fds);
}

/* memfdCreate(name) -> fd, close-on-exec. */
static napi_value js_memfd_create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arg_count(env, info, 1, argv, NULL)) return NULL;
  char *name = get_string(env, argv[0], "name", NULL);
  if (!name) return NULL;
  int fd = memfd_create(name, MFD_CLOEXEC);
  int err = errno;
  free(name);
  if (fd < 0) return throw_errno(env, "memfd_create", err);
  return make_int(env, fd);
}

void register_fds(napi_env env, napi_value exports) {
  EXPORT_FN(env, exports, "close", js_close);
  EXPORT_FN(env, exports, "dupCloexec", js_dup_cloexec);
  EXPORT_FN(env, exports, "setCloexec", js_set_cloexec);
  EXPORT_FN(env, exports, "fdIdentity", js_fd_identity);
  EXPORT_FN(env, exports, "fdsSameFile", js_fds_same_file);
  EXPORT_FN(env, exports, "pipe", js_pipe);
  EXPORT_FN(env, exports, "socketPair", js_socket_pair);
  EXPORT_FN(env, exports, "memfdCreate", js_memfd_create);
}
