// Requests: the jobs one call queued (its own and those it merged into), and its outcome once
// all of them have ended. This is what `steward start X` waits for.
import type { EngineDraft, FinishedJob, RequestDraft } from "./jobs-draft.js";
import type { RequestResult } from "./jobs-model.js";
import { isSuccess } from "./jobs-model.js";

function describeFailure(anchor: FinishedJob, causes: readonly string[]): string {
  const what = `${anchor.unit}: ${anchor.type}`;
  switch (anchor.result) {
    case "failed":
      return `${what} failed`;
    case "timeout":
      return `${what} timed out`;
    case "canceled":
      return `${what} was canceled`;
    case "dependency": {
      const others = causes.filter((unit) => unit !== anchor.unit);
      return `${what} failed: dependency ${others.length > 0 ? others.join(", ") : "job"} failed`;
    }
    case "done":
    case "skipped":
      return `${what} succeeded`;
  }
}

export interface RequestOutcome {
  readonly result: RequestResult;
  readonly failedUnits: readonly string[];
  readonly reason: string | null;
}

/** The request's result is its first anchor job that did not succeed, else "done". */
export function requestOutcome(request: Pick<RequestDraft, "anchorJobIds" | "finished">): RequestOutcome {
  const failedUnits = [...new Set(request.finished.filter((job) => job.result === "failed" || job.result === "timeout").map((job) => job.unit))];
  const anchors = request.finished.filter((job) => request.anchorJobIds.includes(job.id));
  const failed = anchors.find((job) => !isSuccess(job.result));
  if (failed === undefined) {
    const reason = failedUnits.length > 0 ? `succeeded, but ${failedUnits.join(", ")} (only wanted) failed` : null;
    return { result: "done", failedUnits, reason };
  }
  const result: RequestResult = failed.result === "done" || failed.result === "skipped" ? "done" : failed.result;
  return { result, failedUnits, reason: describeFailure(failed, failedUnits) };
}

/** Emits request-finished for every request whose jobs have all ended. */
export function finishRequests(d: EngineDraft): void {
  const ids = [...d.requests.keys()].sort((a, b) => a - b);
  for (const id of ids) {
    const request = d.requests.get(id);
    if (request === undefined) continue;
    const ended = new Set(request.finished.map((job) => job.id));
    if (!request.jobIds.every((jobId) => ended.has(jobId))) continue;
    d.requests.delete(id);
    d.effects.push({ kind: "request-finished", requestId: id, ...requestOutcome(request) });
  }
}
