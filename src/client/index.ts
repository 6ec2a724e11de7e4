// steward's library for services: the service side of the protocols systemd
// and steward speak. Everything is a no-op returning false (or no fds) when
// the process was not started by such a manager. See docs/notify.md.

/** Any message (sd_notify / sd_pid_notify_with_fds), and where it goes. */
export { NotifyError, formatFields, notify, type NotifyFields, type NotifyOptions, type NotifyValue } from "./notify.js";
export { NotifyAddressError, notifySocketAddress } from "./notify-address.js";

/** READY=1, RELOADING=1, STOPPING=1, STATUS=, MAINPID=, ERRNO=, EXTEND_TIMEOUT_USEC=. */
export { errno, extendTimeout, mainPid, monotonicUsec, ready, reloading, status, stopping } from "./lifecycle.js";

/** BARRIER=1: wait until the manager has read everything sent before (sd_notify_barrier). */
export { BarrierTimeoutError, DEFAULT_BARRIER_TIMEOUT_MS, barrier, type BarrierOptions } from "./barrier.js";

/** WATCHDOG_USEC / WATCHDOG_PID and WATCHDOG=1 pings (sd_watchdog_enabled). */
export {
  pingWatchdog, startWatchdog, triggerWatchdog, watchdogInterval, watchdogPingPeriodMs,
  type WatchdogEnvOptions, type WatchdogOptions,
} from "./watchdog.js";

/** Socket activation: LISTEN_FDS / LISTEN_FDNAMES / LISTEN_PID (sd_listen_fds_with_names). */
export { ListenFdsError, listenFds, type ListenFd, type ListenFdsOptions } from "./listen-fds.js";
export { SD_LISTEN_FDS_START } from "../protocol/listen-env.js";
export { describeFd, fdLabel, type FdDescription, type FdKind } from "./fd-kind.js";

/** FDSTORE=1 / FDSTOREREMOVE=1 / FDPOLL=0: keep fds with the manager across restarts. */
export { fdStore, type FdStoreAddOptions } from "./fd-store.js";
