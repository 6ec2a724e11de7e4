#!/bin/sh
# A classic double-forking daemon: the start process exits at once; the daemon,
# in a session of its own, writes its PID file and runs on.
pidfile="$1"
(
  setsid sh -c '
    echo $$ > "$1"
    echo "worker: daemonized as pid $$"
    trap "echo worker: SIGTERM, exiting; rm -f \"$1\"; exit 0" TERM
    while :; do sleep 1 & wait $!; done
  ' worker "$pidfile" &
)
exit 0
