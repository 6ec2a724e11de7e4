/* Calling JavaScript from libuv callbacks, and the explicit-close handles. */
#include "steward.h"

#include <stdlib.h>

bool js_callback_init(napi_env env, napi_value fn, const char *name, struct js_callback *cb) {
  napi_valuetype t;
  napi_typeof(env, fn, &t);
  if (t != napi_function) return throw_type(env, "callback must be a function"), false;
  cb->env = env;
  napi_create_reference(env, fn, 1, &cb->fn);
  napi_value resource, resource_name;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, resource, resource_name, &cb->context);
  return true;
}

void js_callback_call(struct js_callback *cb, size_t argc, napi_value *argv) {
  napi_env env = cb->env;
  napi_value fn, recv;
  napi_get_reference_value(env, cb->fn, &fn);
  napi_get_global(env, &recv); /* make_callback wants an object as `this` */
  /* make_callback runs the microtask queue afterwards, as any libuv callback in Node does. */
  napi_make_callback(env, cb->context, recv, fn, argc, argv, NULL);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

void js_callback_free(struct js_callback *cb) {
  if (cb->fn) napi_delete_reference(cb->env, cb->fn);
  if (cb->context) napi_async_destroy(cb->env, cb->context);
  cb->fn = NULL;
  cb->context = NULL;
}

void release_handle(struct handle *h) {
  if (--h->owners > 0) return;
  h->magic = 0;
  free(h);
}

static void finalize_external(napi_env env, void *data, void *hint) {
  release_handle(data);
}

napi_value wrap_handle(napi_env env, struct handle *h) {
  h->magic = HANDLE_MAGIC;
  h->owners = 2;
  napi_value ext;
  napi_create_external(env, h, finalize_external, NULL, &ext);
  return ext;
}

struct handle *unwrap_handle(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || !data ||
      ((struct handle *)data)->magic != HANDLE_MAGIC) {
    throw_type(env, "not a steward handle");
    return NULL;
  }
  struct handle *h = data;
  if (h->closed) {
    throw_errno(env, "handle", 9 /* EBADF */);
    return NULL;
  }
  return h;
}

/* closeHandle(h): stop watching and release it. Closing twice throws EBADF. */
static napi_value js_close_handle(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arg_count(env, info, 1, argv, NULL)) return NULL;
  struct handle *h = unwrap_handle(env, argv[0]);
  if (!h) return NULL;
  h->closed = true;
  js_callback_free(&h->cb);
  h->close(h);
  return NULL;
}

/* refHandle(h, on): whether the handle keeps the event loop alive. */
static napi_value js_ref_handle(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool on;
  if (!arg_count(env, info, 2, argv, NULL)) return NULL;
  struct handle *h = unwrap_handle(env, argv[0]);
  if (!h || !get_bool(env, argv[1], "on", &on)) return NULL;
  if (on) uv_ref(h->primary);
  else uv_unref(h->primary);
  return NULL;
}

void register_handles(napi_env env, napi_value exports) {
  EXPORT_FN(env, exports, "closeHandle", js_close_handle);
  EXPORT_FN(env, exports, "refHandle", js_ref_handle);
}
