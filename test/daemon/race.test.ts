// The race test of the daemon-control protocol: 50 concurrent `--start` and
// `--stop` invocations in random order against one daemon, 20 times. Each
// invocation is a real process; the daemon is libucw-style (test/fixtures/
// daemon-sh.sh) and logs when it comes up and goes down. Checked:
// - at every moment at most one daemon runs (a second one would find the
//   first one's instance directory and log a violation);
// - every invocation's exit code matches what it could have found, given
//   when it ran and when daemons came and went; every success matches one
//   daemon that came up (start) or went down (stop) while it ran;
// - no invocation signals anyone but the daemon: every other round begins
//   with a daemon killed by SIGKILL and its stale PID file, and where the
//   kernel lets us (root, ns_last_pid) an innocent decoy has taken its PID
//   for the whole round;
// - after each round no lock is left held and the PID file tells the truth.
import assert from "node:assert/strict";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { DaemonControlStatus } from "../../src/protocol/ucw-status.js";
import { closeFd, lockFile, openPidfd, PidfdExitWatcher, reapNow, setChildSubreaper } from "../../src/sys/index.js";
import { waitUntil } from "../helpers/events.js";
import {
  canChoosePids, daemonControl, isAlive, pidFileState, readJournal, shDaemonCommand, shDaemonUnavailable, spawnDecoy, stopDecoy, tempDir,
  wallClock, type Invocation, type JournalEntry, type StartedProcess,
} from "./harness.js";

const ROUNDS = 20;
const INVOCATIONS = 50;

const root = tempDir("race");
// Daemons come back to us when their launcher exits, so a killed one is
// reaped (and its PID freed for a decoy) at once rather than when init gets to it.
setChildSubreaper(true);
after(() => {
  setChildSubreaper(false);
  root.remove();
});

/** A small seeded generator, so that a failing order can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], next: () => number): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

type Action = "start" | "stop";
interface Run extends Invocation {
  action: Action;
}

interface Instance {
  pid: number;
  up: number;
  down: number | null;
}

/** The round's daemons, in order, from the journal; throws on anything but up, down, up, down... */
function instancesOf(entries: readonly JournalEntry[]): Instance[] {
  const instances: Instance[] = [];
  for (const entry of entries) {
    const last = instances[instances.length - 1];
    if (entry.event === "violation") throw new Error(`two daemons at once: pid ${entry.pid} found another one running`);
    if (entry.event === "up") {
      if (last !== undefined && last.down === null) throw new Error(`pid ${entry.pid} came up while pid ${last.pid} was still up`);
      instances.push({ pid: entry.pid, up: entry.at, down: null });
    } else if (entry.event === "down") {
      if (last === undefined || last.pid !== entry.pid || last.down !== null) throw new Error(`unexpected down of pid ${entry.pid}`);
      last.down = entry.at;
    } else {
      throw new Error(`pid ${entry.pid} got a signal it should not have: ${entry.event}`);
    }
  }
  return instances;
}

/** Matches points (times) to distinct intervals that contain them; returns the unmatched intervals. */
function matchPoints(points: number[], intervals: Run[]): { unmatchedRuns: Run[]; unmatchedPoints: number[] } {
  const open = [...intervals];
  const unmatchedPoints: number[] = [];
  for (const point of [...points].sort((a, b) => a - b)) {
    const candidates = open.filter((run) => run.began <= point && point <= run.ended).sort((a, b) => a.ended - b.ended);
    const chosen = candidates[0];
    if (chosen === undefined) unmatchedPoints.push(point);
    else open.splice(open.indexOf(chosen), 1);
  }
  return { unmatchedRuns: open, unmatchedPoints };
}

const overlaps = (run: Run, from: number, to: number): boolean => run.began <= to && from <= run.ended;

/**
 * Checks one round. `startedStale`: the round began with a stale PID file
 * (a killed daemon's), else with no daemon and a clean file.
 */
function checkRound(runs: Run[], instances: Instance[], startedStale: boolean): void {
  const describe = (run: Run): string => `${run.action} → ${run.code} [${run.began.toFixed(1)}, ${run.ended.toFixed(1)}]`;
  const context = (): string =>
    `\ninstances: ${JSON.stringify(instances)}\nruns: ${runs.map(describe).join("\n  ")}`;
  const starts = runs.filter((run) => run.action === "start");
  const stops = runs.filter((run) => run.action === "stop");
  for (const run of runs) {
    assert.ok([0, 100, 103].includes(run.code), `${describe(run)}: ${run.stderr}${context()}`);
  }

  // Successful starts: one per daemon that came up while the start ran; 103 only for the first over a stale file.
  const started = starts.filter((run) => run.code !== 100);
  const startMatch = matchPoints(instances.map((i) => i.up), started);
  assert.deepEqual(startMatch.unmatchedRuns.map(describe), [], `starts that started no daemon${context()}`);
  assert.deepEqual(startMatch.unmatchedPoints, [], `daemons no start started${context()}`);
  const staleStarts = started.filter((run) => run.code === 103);
  assert.equal(staleStarts.length, startedStale && instances.length > 0 ? 1 : 0, `starts over a stale file${context()}`);
  const first = instances[0];
  for (const run of staleStarts) assert.ok(first !== undefined && run.began <= first.up && first.up <= run.ended, `the stale start is the first${context()}`);

  // Successful stops: one per daemon that went down while the stop ran.
  const stopped = stops.filter((run) => run.code === 0);
  const downs = instances.flatMap((i) => (i.down === null ? [] : [i.down]));
  const stopMatch = matchPoints(downs, stopped);
  assert.deepEqual(stopMatch.unmatchedRuns.map(describe), [], `stops that stopped no daemon${context()}`);
  assert.deepEqual(stopMatch.unmatchedPoints, [], `daemons that went down with no stop${context()}`);

  // Stops that found the stale file ran before the first daemon came up.
  for (const run of stops.filter((r) => r.code === 103)) {
    assert.ok(startedStale && (first === undefined || run.began <= first.up), `${describe(run)} found a stale file${context()}`);
  }

  // "Not running" (stop → 100) needs a moment with no daemon while it ran. A
  // daemon holds the lock from before its "up" to after its "down".
  const stoppedWindows: [number, number][] = [];
  if (!startedStale) stoppedWindows.push([-Infinity, first?.up ?? Infinity]);
  instances.forEach((instance, k) => {
    if (instance.down !== null) stoppedWindows.push([instance.down, instances[k + 1]?.up ?? Infinity]);
  });
  for (const run of stops.filter((r) => r.code === 100)) {
    assert.ok(stoppedWindows.some(([from, to]) => overlaps(run, from, to)), `${describe(run)}: a daemon ran all along${context()}`);
  }

  // "Already running" (start → 100) needs a moment with a daemon while it ran:
  // from the previous daemon's "down" (its lock goes after that) to the end
  // of the stop that took this one down.
  const runningWindows: [number, number][] = instances.map((instance, k) => {
    const from = instances[k - 1]?.down ?? -Infinity;
    if (instance.down === null) return [from, Infinity];
    const down = instance.down;
    const ends = stopped.filter((run) => run.began <= down && down <= run.ended).map((run) => run.ended);
    return [from, Math.max(down, ...ends)];
  });
  for (const run of starts.filter((r) => r.code === 100)) {
    assert.ok(runningWindows.some(([from, to]) => overlaps(run, from, to)), `${describe(run)}: no daemon ran then${context()}`);
  }
}

/** No action holds the guard and the PID file tells the truth about the last daemon. */
function checkFilesAtRest(pidFile: string, instances: Instance[], staleContent: string | null): void {
  const guard = openSync(pidFile.replace(/\.pid$/, ".lock"), "r");
  try {
    assert.equal(lockFile(guard, "exclusive"), true, "the guard file is left locked");
  } finally {
    closeSync(guard);
  }
  const last = instances[instances.length - 1];
  const state = pidFileState(pidFile);
  if (last !== undefined && last.down === null) {
    assert.deepEqual(state, { kind: "running", pid: last.pid });
    assert.ok(isAlive(last.pid), `pid ${last.pid} is in the PID file but dead`);
  } else if (last === undefined && staleContent !== null) {
    assert.deepEqual(state, { kind: "stale", content: staleContent });
  } else {
    assert.deepEqual(state, { kind: "not-running" });
  }
}

/** SIGKILLs the daemon's session and reaps it (ours: we are its subreaper). Only while no controller runs. */
async function crash(pid: number): Promise<void> {
  const pidfd = openPidfd(pid);
  try {
    await new Promise<void>((resolve) => {
      const watcher = new PidfdExitWatcher(() => {
        watcher.close();
        resolve();
      });
      watcher.add(pidfd);
      process.kill(-pid, "SIGKILL");
    });
  } finally {
    closeFd(pidfd);
  }
  await waitUntil(() => {
    reapNow(); // nothing of node:child_process's is running now, so this takes only adopted daemons
    return existsSync(`/proc/${pid}`) ? undefined : true;
  }, `pid ${pid} to be reaped`);
}

const decoyUnavailable = canChoosePids();

test(`race: ${INVOCATIONS} concurrent --start/--stop in random order, ${ROUNDS} rounds`, { skip: shDaemonUnavailable ?? false }, async (t) => {
  const seed = Number(process.env.STEWARD_RACE_SEED ?? Date.now() % 2 ** 31);
  t.diagnostic(`seed ${seed} (STEWARD_RACE_SEED=${seed} replays the order)`);
  if (decoyUnavailable !== null) t.diagnostic(`no decoy on reused PIDs: ${decoyUnavailable}`);
  const next = random(seed);
  const dir = join(root.path, "scene");
  mkdirSync(dir);
  const pidFile = join(dir, "d.pid");
  const began = wallClock();
  let journalSeen = 0;
  let staleContent: string | null = null;
  let decoy: StartedProcess | null = null;
  let decoys = 0;
  const signalFile = join(dir, "decoy-signals");
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const actions = shuffled<Action>(
        Array.from({ length: INVOCATIONS }, (_, i) => (i % 2 === 0 ? "start" : "stop")),
        next,
      );
      const runs: Run[] = await Promise.all(
        actions.map(async (action) => {
          const args =
            action === "start"
              ? ["--start", "--pid-file", pidFile, "--", ...shDaemonCommand(pidFile, dir)]
              : ["--stop", "--pid-file", pidFile];
          return { ...(await daemonControl(args, 60_000)), action };
        }),
      );
      const journal = readJournal(dir);
      const instances = instancesOf(journal.slice(journalSeen));
      journalSeen = journal.length;
      checkRound(runs, instances, staleContent !== null);
      checkFilesAtRest(pidFile, instances, staleContent);
      if (decoy !== null) {
        assert.ok(isAlive(decoy.pid), "the decoy lives");
        assert.equal(existsSync(signalFile) ? readFileSync(signalFile, "utf8") : "", "", "the decoy got no signal");
        await stopDecoy(decoy);
        decoy = null;
      }

      // The next round starts clean, or (every other round) from a crashed daemon's stale file.
      const last = instances[instances.length - 1];
      let running = last !== undefined && last.down === null ? last.pid : null;
      staleContent = running === null && last === undefined ? staleContent : null;
      if (round % 2 === 0) {
        if (running === null) {
          const start = await daemonControl(["--start", "--pid-file", pidFile, "--", ...shDaemonCommand(pidFile, dir)]);
          assert.ok(start.code === DaemonControlStatus.ok || start.code === DaemonControlStatus.stale, start.stderr);
          const state = pidFileState(pidFile);
          running = state.kind === "running" ? state.pid : null;
          journalSeen++; // its "up"
        }
        assert.ok(running !== null);
        await crash(running);
        rmSync(join(dir, "instance"), { recursive: true }); // it had no chance to clean up
        staleContent = `${running}\n`;
        if (decoyUnavailable === null) {
          decoy = await spawnDecoy(running, signalFile);
          if (decoy !== null) decoys++;
        }
      } else if (running !== null) {
        const stop = await daemonControl(["--stop", "--pid-file", pidFile]);
        assert.equal(stop.code, DaemonControlStatus.ok, stop.stderr);
        journalSeen++; // its "down"
      }
    }
  } finally {
    if (decoy !== null) await stopDecoy(decoy);
    await daemonControl(["--stop", "--pid-file", pidFile]);
  }
  t.diagnostic(`${ROUNDS} rounds of ${INVOCATIONS} in ${((wallClock() - began) / 1000).toFixed(1)} s; ${decoys} decoys on reused PIDs`);
});
