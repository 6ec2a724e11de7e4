// `steward notify --help`: kept apart from the command so that the CLI loads it cheaply.
export const NOTIFY_SUMMARY = "tell the service manager about this service (for shell scripts)";

export const NOTIFY_USAGE = `steward notify [OPTIONS...] [VARIABLE=VALUE...]

Tells the service manager (steward, or systemd) about the service this
command runs in, as systemd-notify(1) does, through $NOTIFY_SOCKET. Then it
waits (up to 5 s) until the manager has read the message, so that it counts
for the service even though this command exits at once.

  --ready           start-up or a reload is finished (READY=1)
  --reloading       reloading the configuration (RELOADING=1, MONOTONIC_USEC=)
  --stopping        shutting down (STOPPING=1)
  --status=TEXT     one line of status text (STATUS=TEXT; empty clears it)
  --pid[=PID]       the service's main process is PID (MAINPID=); PID may be
                    a number, "parent", "self", or "auto" (the default when
                    --pid stands alone: the parent, unless that is PID 1)
  --fd=N            put inherited fd N in the service's fd store (FDSTORE=1);
                    repeatable
  --fdname=NAME     the name the fds of --fd are stored under (FDNAME=)
  --no-block        do not wait for the manager to read the message
  -h, --help        show this help

VARIABLE=VALUE arguments are sent as they are (X_MYAPP=1, ERRNO=2,
EXTEND_TIMEOUT_USEC=...); one that repeats a variable of an option wins.

The message goes out with the credentials of the calling process (the parent)
when the kernel allows it (root), so NotifyAccess=main believes a main shell
script; otherwise with this command's own, which needs NotifyAccess=all.

Exit status: 0 when the message was sent (and read), 1 otherwise: no
$NOTIFY_SOCKET, a refused send, no answer within 5 s, or a usage error.
`;
