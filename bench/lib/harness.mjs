// Runs one figure's subjects in turn: each in a try/finally that shuts its supervisor
// down and kills whatever the workspace still names, a failure turned into a row that
// says why, so that one broken peer never hides the others' figures.
import { workspace } from "./common.mjs";
import { selected } from "./peers.mjs";
import { report, skipped } from "./results.mjs";

/** subjects: [{subject, available?: () => reason|null, measure: async (ws) => rows}] */
export async function runFigure(name, base, subjects, { lines = [] } = {}) {
  const rows = [];
  const ws = workspace(name);
  const onSignal = () => {
    void ws.cleanup().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    for (const s of subjects.filter((x) => selected(x.subject))) {
      await s.prepare?.();
      const reason = s.available?.() ?? null;
      if (reason) {
        console.error(`${name}: ${s.subject}: skipped: ${reason}`);
        rows.push(...(s.skipRows ?? [base]).map((b) => skipped({ ...base, ...b, subject: s.subject }, reason)));
        continue;
      }
      console.error(`${name}: ${s.subject}...`);
      try {
        rows.push(...(await s.measure(ws)));
      } catch (error) {
        const message = String(error?.message ?? error).split("\n")[0].slice(0, 200);
        console.error(`${name}: ${s.subject}: failed: ${message}`);
        rows.push(...(s.skipRows ?? [base]).map((b) => skipped({ ...base, ...b, subject: s.subject }, `failed: ${message}`)));
      } finally {
        await ws.cleanup(false);
      }
    }
  } finally {
    await ws.cleanup();
  }
  report(name, rows, lines);
  return rows;
}
