#!/bin/sh
# The worker half: writes a heartbeat every few seconds; exits cleanly on SIGTERM.
set -eu
file=${HEARTBEAT_FILE:-/run/app/heartbeat}
mkdir -p "$(dirname "$file")"
trap 'echo "worker: stopping"; exit 0' TERM
echo "worker: started"
while :; do
  date -u +%Y-%m-%dT%H:%M:%SZ > "$file"
  sleep 5 & wait $!
done
