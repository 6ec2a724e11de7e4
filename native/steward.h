/* Shared declarations of steward's native layer. Each .c file is one concern;
 * each export is one syscall or one recipe and throws Error{code, syscall}. */
#ifndef STEWARD_H
#define STEWARD_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* errors.c: throw Error{message, code: "EXXX", errno, syscall}; always returns NULL. */
napi_value throw_errno(napi_env env, const char *syscall, int err);
napi_value throw_type(napi_env env, const char *message);
const char *errno_name(int err);

/* args.c: argument and value conversion; on failure they throw a TypeError and return false. */
bool arg_count(napi_env env, napi_callback_info info, size_t want, napi_value *argv, napi_value *this_arg);
bool get_int(napi_env env, napi_value v, const char *what, int *out);
bool get_uint32(napi_env env, napi_value v, const char *what, uint32_t *out);
bool get_int64(napi_env env, napi_value v, const char *what, int64_t *out);
bool get_bool(napi_env env, napi_value v, const char *what, bool *out);
/* Returns a malloc'ed NUL-terminated copy (free it); NULL after throwing. */
char *get_string(napi_env env, napi_value v, const char *what, size_t *len_out);
/* Returns a malloc'ed NULL-terminated vector of malloc'ed strings; NULL after throwing. */
char **get_string_array(napi_env env, napi_value v, const char *what, size_t *count_out);
void free_string_array(char **strv);
/* Returns a malloc'ed int array (count may be 0; then *out is NULL); false after throwing. */
bool get_int_array(napi_env env, napi_value v, const char *what, int **out, size_t *count_out);
/* Property access: `present` is false for undefined and null. */
bool get_prop(napi_env env, napi_value obj, const char *key, napi_value *out, bool *present);
napi_value make_int(napi_env env, int64_t n);
napi_value make_string(napi_env env, const char *s);
napi_value make_int_array(napi_env env, const int *v, size_t n);
void set_named(napi_env env, napi_value obj, const char *key, napi_value value);

/* handles.c: a JavaScript callback called from libuv, and the handle objects
 * (reaper, watch sets, notify sockets) that JavaScript closes explicitly. */
#include <uv.h>

struct js_callback {
  napi_env env;
  napi_ref fn;
  napi_async_context context;
};
bool js_callback_init(napi_env env, napi_value fn, const char *name, struct js_callback *cb);
/* Calls the function; the caller has opened a handle scope for argv. Exceptions
 * thrown by the callback become uncaught exceptions of the process. */
void js_callback_call(struct js_callback *cb, size_t argc, napi_value *argv);
void js_callback_free(struct js_callback *cb);

struct handle {
  uint32_t magic; /* HANDLE_MAGIC while alive */
  bool closed;
  struct js_callback cb;
  void (*close)(struct handle *); /* stops watching; frees itself once libuv is done */
  uv_handle_t *primary;          /* what ref/unref applies to */
  int owners;                    /* the JS external and libuv; freed when both let go */
};
#define HANDLE_MAGIC 0x5e3a7d01u
/* Wraps a handle in a JS external; `unwrap_handle` throws on a closed or foreign value. */
napi_value wrap_handle(napi_env env, struct handle *h);
struct handle *unwrap_handle(napi_env env, napi_value v);
/* Drops one owner (call from the last uv_close callback); frees at zero. */
void release_handle(struct handle *h);

/* sockets.c: a sockaddr_un from "/path" or "@abstract" (the length covers only the
 * name of an abstract address); false with errno EINVAL or ENAMETOOLONG. */
#include <sys/socket.h>
#include <sys/un.h>
bool unix_address(const char *address, struct sockaddr_un *sa, socklen_t *len);

/* Module parts: each registers its exports on `exports`. */
void register_handles(napi_env env, napi_value exports);
void register_spawn(napi_env env, napi_value exports);
void register_reaper(napi_env env, napi_value exports);
void register_pidfd(napi_env env, napi_value exports);
void register_watchset(napi_env env, napi_value exports);
void register_notify(napi_env env, napi_value exports);
void register_sockets(napi_env env, napi_value exports);
void register_fds(napi_env env, napi_value exports);
void register_locks(napi_env env, napi_value exports);

#define EXPORT_FN(env, exports, name, fn)                                          \
  do {                                                                             \
    napi_value f__;                                                                \
    napi_create_function((env), (name), NAPI_AUTO_LENGTH, (fn), NULL, &f__);      \
    napi_set_named_property((env), (exports), (name), f__);                        \
  } while (0)

#endif
