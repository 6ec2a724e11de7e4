// What /proc says about a process. Reads happen on demand (a stop, a guess, a
// status), never on a timer.
//
// Only a /proc of our own PID namespace is believed. Under `unshare --pid` without
// `--mount-proc` (or a container runtime that shares the host's /proc) /proc/PID names
// another namespace's process: every reader here then answers "unknown" (null, [], false)
// rather than describe a stranger, and the manager works from what it registered itself
// (host-probe.ts says so at start).
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";

let procUsable: boolean | null = null;

/** Whether /proc exists and numbers processes as our PID namespace does (checked once). */
export function procIsOurs(): boolean {
  if (procUsable === null) {
    try {
      procUsable = Number(readlinkSync("/proc/self")) === process.pid;
    } catch {
      procUsable = false;
    }
  }
  return procUsable;
}

export interface ProcStat {
  pid: number;
  /** R, S, D, Z, T, ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Clock ticks after boot: with the PID, it names one process for good. */
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | null {
  if (!procIsOurs()) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    pid,
    state: fields[0] ?? "?",
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    startTime: Number(fields[19]),
  };
}

export function processExists(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.state !== "Z" && stat.state !== "X";
}

/** The owner of /proc/PID: the process's effective UID. */
export function processUid(pid: number): number | null {
  if (!procIsOurs()) return null;
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return null;
  }
}

export function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  if (!procIsOurs()) return out;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat) out.push(stat);
  }
  return out;
}

/** One variable of a process's initial environment, or null (unset, or not ours to read). */
export function readProcEnvironmentVariable(pid: number, name: string): string | null {
  if (!procIsOurs()) return null;
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, "latin1");
  } catch {
    return null;
  }
  const prefix = `${name}=`;
  for (const entry of environ.split("\0")) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return null;
}
