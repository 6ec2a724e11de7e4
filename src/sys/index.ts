// steward's system layer: the typed face of the native addon.
export { isSystemCallError, type SystemCallError } from "./errors.js";
export {
  closeFd, dupCloexec, fdIdentity, fdTarget, memfd, openFds, pipe, sameOpenFile, setCloexec, socketPair,
} from "./fds.js";
export { NotifySocket, sendNotify, type NotifyDatagram, type SendOptions } from "./notify-socket.js";
export { PidfdExitWatcher, openPidfd, pidfdInodeId, signalPidfd } from "./pidfd.js";
export {
  isChildSubreaper, killPid, killProcessGroup, lockFile, parentDeathSignal, setChildSubreaper,
  setParentDeathSignal, unlockFile, type LockMode,
} from "./process.js";
export { Reaper, reapNow, type ChildChange } from "./reaper.js";
export { signalNumber, type SignalLike } from "./signals.js";
export {
  acceptConnection, createFifo, createSocket, inspectFd, peerCredentials, type AcceptedConnection, type FdInspection, type SocketSpec,
} from "./sockets.js";
export { execReplace, SpawnError, spawn, type ResourceLimit, type SpawnSpec, type SpawnedProcess } from "./spawn.js";
export { WatchSet } from "./watch-set.js";
