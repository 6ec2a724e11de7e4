// `steward daemon-control --help`: kept apart from the command so that the CLI loads it cheaply.
export const DAEMON_CONTROL_SUMMARY = "start, stop, reload or check a daemon through its locked PID file (libucw protocol)";

export const DAEMON_CONTROL_USAGE = `steward daemon-control --start  <options> [--keeper [--log FILE]] -- <daemon> <args>
steward daemon-control --stop   <options>
steward daemon-control --reload <options>
steward daemon-control --check  <options>

Controls a daemon by libucw's race-free protocol: the running daemon keeps its
PID file flock()ed, and every action holds a lock on a guard file. Options and
exit codes are those of libucw's ucw-daemon-control.

Options:
  --pid-file <name>    PID file of the daemon (mandatory)
  --guard-file <name>  guard file (default: the PID file with .pid replaced by .lock)
  --signal <sig>       signal to send, by name or number
                       (default: SIGTERM for --stop, SIGHUP for --reload)
steward's additions:
  --status             the same as --check
  --keeper             for --start of a program that stays in the foreground:
                       steward detaches it and holds the PID-file lock for it
  --log <file>         with --keeper: the program's stdout and stderr (default /dev/null)
  --timeout <seconds>  give up --start or --stop after this long (default 90; 0 = never)
  -h, --help           show this help

Exit codes:
  0    successfully completed (for --check: the daemon is running)
  1    invalid arguments
  100  the action was null (e.g. --stop on a stopped daemon)
  101  the daemon was not running (on --reload or --check)
  102  the action has failed (the error message is printed to stderr)
  103  the daemon was in an undefined state (e.g. a stale PID file);
       for --start, 103 still means it was started
`;
