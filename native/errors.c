/* Turning errno into a thrown JavaScript Error with `code` and `syscall`. */
#include "steward.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *errno_name(int err) {
  const char *name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
}

napi_value throw_errno(napi_env env, const char *syscall, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s failed: %s (%s)", syscall, errno_name(err), strerror(err));
  napi_value msg, error;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  set_named(env, error, "code", make_string(env, errno_name(err)));
  set_named(env, error, "errno", make_int(env, err));
  set_named(env, error, "syscall", make_string(env, syscall));
  napi_throw(env, error);
  return NULL;
}

napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG", message);
  return NULL;
}
