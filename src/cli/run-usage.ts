// `steward run --help`: kept apart from the command so that the CLI loads it cheaply.
export const RUN_USAGE = `steward run [OPTIONS] -- CMD [ARG...]

Runs one command under steward without a unit file: it is started, tracked
(with everything it forks), restarted as --restart says, and stopped cleanly on
SIGTERM or SIGINT. SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH are passed on to it
(to its main process, or with --forward-to=group to that process's group).
Its output goes straight to steward's own stdout and stderr. steward exits with
the command's exit status once it has ended for good (128+N when killed by
signal N; 127 when CMD is not found, 126 when it cannot be executed), which
makes it a container entrypoint (PID 1) as well as a dev-loop runner.
While it runs, 'steward status' and the other commands see it as NAME.service.

  --listen ADDR        a listening socket steward opens and passes as fd 3, 4, ...
                       (LISTEN_FDS, socket activation): PORT, HOST:PORT, [V6]:PORT,
                       /path or @abstract; repeatable. udp:ADDR for a datagram socket
  --fdstore N          FileDescriptorStoreMax=N: the command may keep fds in steward
                       across its restarts (FDSTORE=1)
  --forward-to WHOM    where SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH go: main (default,
                       the main process) or group (its process group, as tini -g:
                       a shell script's children get them too)
  --name NAME          the unit's name (default: the command's file name)
  --type TYPE          simple, exec (default), notify, notify-reload, forking, oneshot, stop
  --restart POLICY     no (default), on-failure, on-abnormal, on-abort, on-watchdog, on-success, always
  --restart-sec TIME   delay before a restart (default 100ms), e.g. 1s, 500ms
  -E, --env VAR=VALUE  an environment variable for the command (repeatable)
`;
