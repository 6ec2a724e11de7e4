// Socket activation, the service side (sd_listen_fds_with_names(3)): the fds
// the manager passed at 3, 4, ... with LISTEN_FDS, LISTEN_FDNAMES and
// LISTEN_PID (and LISTEN_PIDFDID on pidfs kernels). Listening sockets first,
// then what the service put in its fd store before, each with its name.
import { parseListenEnv, type ListenedFd } from "../protocol/listen-env.js";
import { isSystemCallError, setCloexec } from "../sys/index.js";
import { describeFd, type FdKind } from "./fd-kind.js";
import { pidfdId } from "./pidfd-id.js";

export interface ListenFd {
  fd: number;
  /** The socket unit's FileDescriptorName= (default its unit name), an FDNAME= from the fd store, "connection", or "unknown". */
  name: string;
  kind: FdKind;
  /** Local address or path, where the fd has one (see FdKind). */
  address: string | null;
}

export interface ListenFdsOptions {
  /** Drop LISTEN_PID, LISTEN_PIDFDID, LISTEN_FDS and LISTEN_FDNAMES afterwards, whatever they said, so children do not see them. */
  unsetEnvironment?: boolean;
}

const LISTEN_VARIABLES = ["LISTEN_PID", "LISTEN_PIDFDID", "LISTEN_FDS", "LISTEN_FDNAMES"] as const;

/** The environment names fds it cannot mean: a count without fds, a name list of the wrong length. */
export class ListenFdsError extends Error {
  readonly code = "EINVAL";

  constructor(message: string) {
    super(`socket activation: ${message}`);
    this.name = "ListenFdsError";
  }
}

/**
 * The fds passed to this process, in order, each made close-on-exec (as
 * sd_listen_fds does, so they do not leak into our own children). No fds (an
 * empty array) when LISTEN_PID is unset or names another process (the
 * variables were meant for an ancestor), or LISTEN_PIDFDID names another
 * process with our PID. Throws ListenFdsError when the variables are
 * malformed or name an fd that is not open.
 */
export function listenFds(options: ListenFdsOptions = {}): ListenFd[] {
  const env = process.env;
  try {
    const ownPidfdId = env["LISTEN_PIDFDID"] === undefined ? undefined : (pidfdId(process.pid) ?? undefined);
    const parsed = parseListenEnv(env, process.pid, ownPidfdId);
    if ("error" in parsed) throw new ListenFdsError(parsed.error);
    return adoptListenedFds(parsed.fds);
  } finally {
    if (options.unsetEnvironment) for (const name of LISTEN_VARIABLES) delete env[name];
  }
}

/**
 * The part of listenFds() after the environment is read: sets close-on-exec
 * on each fd and says what it is. Exported for fds that arrive by other means
 * (and for tests, which cannot place fds at 3, 4, ... from JavaScript).
 */
export function adoptListenedFds(listened: readonly ListenedFd[]): ListenFd[] {
  return listened.map(({ fd, name }) => {
    try {
      setCloexec(fd, true);
    } catch (error) {
      if (isSystemCallError(error, "EBADF")) throw new ListenFdsError(`LISTEN_FDS names fd ${fd}, which is not open`);
      throw error;
    }
    return { fd, name, ...describeFd(fd) };
  });
}
