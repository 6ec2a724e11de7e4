{
  "targets": [
    {
      "target_name": "steward",
      "sources": [
        "native/addon.c",
        "native/errors.c",
        "native/args.c",
        "native/handles.c",
        "native/spawn.c",
        "native/reaper.c",
        "native/pidfd.c",
        "native/watchset.c",
        "native/notify.c",
        "native/sockets.c",
        "native/fds.c",
        "native/locks.c"
      ],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror=implicit-function-declaration"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
