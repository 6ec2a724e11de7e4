/* Module entry: gathers the exports of every part. */
#include "steward.h"

static napi_value init(napi_env env, napi_value exports) {
  register_handles(env, exports);
  register_spawn(env, exports);
  register_reaper(env, exports);
  register_pidfd(env, exports);
  register_watchset(env, exports);
  register_notify(env, exports);
  register_sockets(env, exports);
  register_fds(env, exports);
  register_locks(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
