// The jobs of a transaction while it is being built (systemd's Transaction, src/core/transaction.c):
// a unit may hold several candidate jobs until they are merged, and every job remembers which
// jobs pulled it in and whether that link "matters" (Requires=, BindsTo=, Requisite=,
// Conflicts= do; Wants= and the reverse of Conflicts= do not). A job "matters to the anchor"
// when a chain of mattering links leads to it from a requested job: only jobs that do not
// matter may be dropped to make a transaction consistent.
import type { JobDirection, JobType } from "./jobs-model.js";

export interface TxLink {
  /** null: the request itself pulled the object in (an anchor). */
  readonly subject: TxJob | null;
  readonly object: TxJob;
  readonly matters: boolean;
  /** Pulled in by a Conflicts= of another unit (systemd prefers to keep such stops). */
  readonly conflicts: boolean;
}

export interface TxJob {
  /** Creation order: keeps every walk over the transaction deterministic. */
  readonly serial: number;
  readonly unit: string;
  type: JobType;
  anchor: boolean;
  mattersToAnchor: boolean;
  ignoreOrder: boolean;
  deleted: boolean;
  /** Links where this job is the subject: the jobs it pulled in. */
  readonly pulls: TxLink[];
  /** Links where this job is the object: who pulled it in. */
  readonly pulledBy: TxLink[];
}

export interface TxLog {
  readonly level: "debug" | "info" | "warning" | "error";
  readonly unit: string | null;
  readonly message: string;
}

export interface Tx {
  /** Candidate jobs per unit, in creation order. */
  readonly jobs: Map<string, TxJob[]>;
  readonly logs: TxLog[];
  nextSerial: number;
}

export function newTx(): Tx {
  return { jobs: new Map(), logs: [], nextSerial: 0 };
}

export function liveJobs(tx: Tx): TxJob[] {
  const all: TxJob[] = [];
  for (const jobs of tx.jobs.values()) for (const job of jobs) if (!job.deleted) all.push(job);
  return all.sort((a, b) => a.serial - b.serial);
}

export function jobsOfUnit(tx: Tx, unit: string): TxJob[] {
  return (tx.jobs.get(unit) ?? []).filter((job) => !job.deleted);
}

export function findJob(tx: Tx, unit: string, type: JobType): TxJob | undefined {
  return jobsOfUnit(tx, unit).find((job) => job.type === type);
}

export function createJob(tx: Tx, unit: string, type: JobType): TxJob {
  const job: TxJob = {
    serial: tx.nextSerial++,
    unit,
    type,
    anchor: false,
    mattersToAnchor: false,
    ignoreOrder: false,
    deleted: false,
    pulls: [],
    pulledBy: [],
  };
  const list = tx.jobs.get(unit);
  if (list === undefined) tx.jobs.set(unit, [job]);
  else list.push(job);
  return job;
}

export function addLink(subject: TxJob | null, object: TxJob, matters: boolean, conflicts: boolean): void {
  const link: TxLink = { subject, object, matters, conflicts };
  subject?.pulls.push(link);
  object.pulledBy.push(link);
}

function removeFrom(list: TxLink[], link: TxLink): void {
  const at = list.indexOf(link);
  if (at >= 0) list.splice(at, 1);
}

/**
 * Removes a job. With `withDependents`, every job that needed it through a mattering link
 * (a Requires= on it) goes too, as systemd's transaction_delete_job(…, true) does: a job whose
 * requirement was dropped must not run without it.
 */
export function deleteJob(tx: Tx, job: TxJob, withDependents: boolean): void {
  if (job.deleted) return;
  job.deleted = true;
  for (const link of job.pulls.splice(0)) removeFrom(link.object.pulledBy, link);
  for (const link of job.pulledBy.splice(0)) {
    if (link.subject !== null) removeFrom(link.subject.pulls, link);
    if (withDependents && link.matters && link.subject !== null) {
      tx.logs.push({
        level: "debug",
        unit: link.subject.unit,
        message: `dropping job ${link.subject.unit}/${link.subject.type}: it needs ${job.unit}/${job.type}, which was dropped`,
      });
      deleteJob(tx, link.subject, true);
    }
  }
}

/** Drops jobs nothing pulls in any more (systemd's transaction_collect_garbage). */
export function collectGarbage(tx: Tx): void {
  for (;;) {
    const orphan = liveJobs(tx).find((job) => !job.anchor && job.pulledBy.length === 0);
    if (orphan === undefined) return;
    deleteJob(tx, orphan, false);
  }
}

/** Marks every job reachable from an anchor through mattering links. */
export function markJobsThatMatter(tx: Tx): void {
  const queue = liveJobs(tx).filter((job) => job.anchor);
  for (const job of queue) job.mattersToAnchor = true;
  for (let at = 0; at < queue.length; at++) {
    const job = queue[at];
    if (job === undefined) continue;
    for (const link of job.pulls) {
      if (!link.matters || link.object.mattersToAnchor) continue;
      link.object.mattersToAnchor = true;
      queue.push(link.object);
    }
  }
}

/** Folds `other` into `into` (same unit): links, anchor and mattering move over. */
export function mergeInto(into: TxJob, other: TxJob, type: JobType): void {
  into.type = type;
  into.anchor ||= other.anchor;
  into.mattersToAnchor ||= other.mattersToAnchor;
  into.ignoreOrder ||= other.ignoreOrder;
  for (const link of other.pulls.splice(0)) {
    removeFrom(link.object.pulledBy, link);
    if (link.object !== into) addLink(into, link.object, link.matters, link.conflicts);
  }
  for (const link of other.pulledBy.splice(0)) {
    if (link.subject !== null) removeFrom(link.subject.pulls, link);
    if (link.subject !== into) addLink(link.subject, into, link.matters, link.conflicts);
  }
  other.deleted = true;
}

export type TransactionErrorCode =
  | "no-units"
  | "not-found"
  | "bad-setting"
  | "load-error"
  | "conflicting-jobs"
  | "ordering-cycle"
  | "shutting-down";

/** Why a request was refused as a whole: nothing of it was queued. */
export interface TransactionError {
  readonly code: TransactionErrorCode;
  /** One line for a person: what was refused and why. */
  readonly message: string;
  /** The units to blame; for an ordering cycle every unit of the cycle, in order. */
  readonly units: readonly string[];
}

/** A job already queued by an earlier request, as a new transaction sees it. */
export interface InstalledJob {
  readonly unit: string;
  /** For a restart whose unit is already down: "start", as systemd patches it. */
  readonly type: JobType;
  readonly direction: JobDirection;
  readonly ignoreOrder: boolean;
}
