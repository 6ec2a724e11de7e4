// Which process is a service's main one, when something other than steward says
// so: a PID file, MAINPID=, MAINPIDFD=. systemd's rules (CVE-2018-16888) plus
// steward's own: the process must belong to the service, even when root says
// otherwise (DESIGN.md).
import { readFileSync, statSync } from "node:fs";
import type { PidFileOutcome } from "../core/service-state.js";
import { closeFd, openPidfd, pidfdInodeId } from "../sys/index.js";
import { processExists, processUid } from "./proc.js";

export type MainPidCheck = { kind: "ok" } | { kind: "refused"; reason: string };

/** Whether a process is (or may be claimed as) the service's. */
export type BelongsToService = (pid: number) => boolean;

/** Reads a PID file after the start process exited; `serviceUid` is the service's user (null: unknown). */
export function readPidFile(path: string, serviceUid: number | null, belongs: BelongsToService): PidFileOutcome {
  let text: string;
  let owner: number;
  try {
    owner = statSync(path).uid;
    text = readFileSync(path, "utf8");
  } catch {
    return { kind: "missing" };
  }
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { kind: "invalid", reason: `PID file ${path} does not hold a PID` };
  const pid = Number(trimmed);
  if (pid <= 1 || pid === process.pid) return { kind: "refused", reason: `PID file ${path} names PID ${pid}, which cannot be a main process` };
  if (!processExists(pid)) return { kind: "missing" };
  if (owner !== 0 && owner !== serviceUid) {
    return { kind: "refused", reason: `PID file ${path} is owned by uid ${owner}, neither root nor the service's user` };
  }
  if (!belongs(pid)) return { kind: "refused", reason: `PID file ${path} names PID ${pid}, which does not belong to the service` };
  return { kind: "ok", pid };
}

/** MAINPID= (or the PID of MAINPIDFD=): never PID 1, the manager, a stranger or a process of another service. */
export function checkMainPid(pid: number, belongs: BelongsToService): MainPidCheck {
  if (pid <= 1 || pid === process.pid) return { kind: "refused", reason: `PID ${pid} cannot be a main process` };
  if (!processExists(pid)) return { kind: "refused", reason: `PID ${pid} does not exist` };
  if (!belongs(pid)) return { kind: "refused", reason: `PID ${pid} does not belong to the service` };
  if (processUid(pid) === null) return { kind: "refused", reason: `PID ${pid} vanished` };
  return { kind: "ok" };
}

/** The PID a pidfd refers to (its fdinfo "Pid:" line); null if it is not a live pidfd. */
export function pidOfPidfd(fd: number): number | null {
  try {
    const pid = Number(/^Pid:\s+(-?\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** MAINPIDFDID=: the PID must still be the process the sender meant (pidfs inode IDs never recycle). */
export function checkPidfdId(pid: number, id: bigint): MainPidCheck {
  let pidfd: number;
  try {
    pidfd = openPidfd(pid);
  } catch {
    return { kind: "refused", reason: `PID ${pid} vanished` };
  }
  try {
    const actual = pidfdInodeId(pidfd);
    return actual === id ? { kind: "ok" } : { kind: "refused", reason: `PID ${pid} is not the process MAINPIDFDID=${id} names (it is ${actual})` };
  } catch {
    return { kind: "ok" }; // no pidfs here: nothing to compare, as systemd skips the check
  } finally {
    closeFd(pidfd);
  }
}
