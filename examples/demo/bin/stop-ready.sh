#!/bin/sh
# Type=stop (upstart's "expect stop"): the service stops itself with SIGSTOP
# once it is ready; steward then sends SIGCONT.
echo "cache: loading (UPSTART_JOB=$UPSTART_JOB)"
kill -STOP $$
echo "cache: continued by the supervisor, serving"
trap 'echo "cache: SIGTERM, exiting"; exit 0' TERM
while :; do sleep 1 & wait $!; done
