#!/bin/sh
# bench/install-peers.sh: install the supervisors steward is compared with.
#   Debian packages: supervisor, s6, runit, tini, dumb-init (needs root and apt-get)
#   npm: pm2, into bench/.peers (not into package.json)
# A peer that cannot be installed is reported and skipped; the benchmarks skip it too.
set -u
here=$(cd "$(dirname "$0")" && pwd)

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  # Debian starts a package's daemon on install unless policy-rc.d says no (exit 101).
  # The benchmarks start their own instances; no system-wide supervisord is wanted.
  policy=/usr/sbin/policy-rc.d
  had_policy=no
  [ -e "$policy" ] && had_policy=yes
  if [ "$had_policy" = no ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
  fi
  apt-get update -qq || echo "install-peers: apt-get update failed; trying the install anyway"
  for pkg in supervisor s6 runit tini dumb-init; do
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null \
      && echo "install-peers: $pkg installed" \
      || echo "install-peers: $pkg NOT installed (its figures will be skipped)"
  done
  [ "$had_policy" = no ] && rm -f "$policy"
else
  echo "install-peers: not root or no apt-get; Debian peers (supervisor, s6, runit, tini, dumb-init) not installed"
fi

if command -v npm >/dev/null 2>&1; then
  mkdir -p "$here/.peers"
  npm install --prefix "$here/.peers" --no-save --no-audit --no-fund --loglevel=error pm2@5 >/dev/null \
    && echo "install-peers: pm2 installed in bench/.peers" \
    || echo "install-peers: pm2 NOT installed (its figures will be skipped)"
else
  echo "install-peers: no npm; pm2 not installed"
fi
