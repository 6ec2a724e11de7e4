// steward as PID 1 of a fresh PID namespace (a container's init): exit status, signals
// forwarded to the main process or its group, orphans reaped, ordered shutdown, and a
// /proc of another namespace said plainly. Needs root for `unshare --pid`; skipped with
// the reason otherwise. Every namespace a test makes is killed (SIGKILL to its PID 1
// takes everything in it) when the test ends, pass or fail, so a failing test cannot
// keep the test file alive.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, test } from "node:test";
import { waitUntil } from "../helpers/events.js";
import { findProgram, isRoot, repoRoot } from "../helpers/repo.js";
import { withDeadline } from "../helpers/steward.js";

const cli = join(repoRoot, "dist", "src", "cli", "main.js");
const unshare = findProgram("unshare");
const skip = !isRoot ? "needs root for unshare --pid" : !unshare ? "unshare is not installed" : false;
const dir = mkdtempSync(join(tmpdir(), "steward-pid1-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Pid1 {
  child: ChildProcess;
  exit: Promise<number | null>;
  output(): { stdout: string; stderr: string };
  /** steward's PID as seen from here (unshare --fork: its one child, PID 1 inside). */
  stewardPid(): number;
  runtimeDir: string;
}

const running = new Set<Pid1>();
afterEach(async () => {
  for (const run of running) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      try {
        process.kill(run.stewardPid(), "SIGKILL");
      } catch {
        run.child.kill("SIGKILL");
      }
      await run.exit;
    }
    running.delete(run);
  }
});

let runs = 0;
/** `unshare --pid --fork [--mount-proc] node steward ARGS`, each with a runtime directory of its own. */
interface Pid1Options {
  mountProc?: boolean;
  runtimeDir?: string;
  env?: Record<string, string>;
}

function asPid1(args: string[], options: Pid1Options = {}): Pid1 {
  const runtimeDir = options.runtimeDir ?? join(dir, `run-${++runs}`);
  const namespace = ["--pid", "--fork", ...(options.mountProc === false ? [] : ["--mount-proc"])];
  const child = spawn(unshare ?? "unshare", [...namespace, process.execPath, cli, "--runtime-dir", runtimeDir, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NOTIFY_SOCKET: "", ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const run: Pid1 = {
    child,
    exit,
    runtimeDir,
    output: () => ({ stdout, stderr }),
    stewardPid: () => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(" ")[0]),
  };
  running.add(run);
  return run;
}

function runAsPid1(script: string, extra: string[] = [], options: Pid1Options = {}): Pid1 {
  return asPid1(["run", ...extra, "--", "/bin/sh", "-c", script], options);
}

async function exitOf(run: Pid1, ms = 30_000): Promise<number | null> {
  return withDeadline(run.exit, ms, () => JSON.stringify(run.output()));
}

function waitOutput(run: Pid1, text: string, ms = 20_000): Promise<true> {
  return waitUntil(() => (run.output().stdout.includes(text) ? true : undefined), `"${text}" on stdout; saw ${JSON.stringify(run.output())}`, ms);
}

test("pid 1: steward is init and exits with the command's status; 128+N when it is killed by signal N", { skip }, async () => {
  const run = runAsPid1('echo "parent=$PPID"; exit 3');
  assert.equal(await exitOf(run), 3, JSON.stringify(run.output()));
  assert.match(run.output().stdout, /parent=1/);
  assert.match(run.output().stderr, /manager 1 up/);
  assert.doesNotMatch(run.output().stderr, /degraded/, "a namespace with its own /proc lacks nothing");
  const killed = runAsPid1("kill -KILL $$");
  assert.equal(await exitOf(killed), 128 + 9, JSON.stringify(killed.output()));
});

// A zombie is an orphan steward failed to reap: re-parented to PID 1, it stays "Z" until waited for.
const countZombies = 'grep -l "^[0-9]* ([^)]*) Z" /proc/[0-9]*/stat 2>/dev/null | wc -l';

test("pid 1: 1,000 short-lived double-forked orphans are all reaped; no zombie is left in the namespace", { skip }, async () => {
  // Each ( : & ) forks a subshell that forks a child and exits at once: the child is
  // orphaned and re-parented to PID 1. The script then waits, with a deadline, until no
  // zombie is left, and prints how many there were at its last look.
  const script = `
    i=0; while [ $i -lt 1000 ]; do ( : & ); i=$((i+1)); done
    echo forked
    n=0; while [ $n -lt 200 ]; do z=$(${countZombies}); [ "$z" -eq 0 ] && break; n=$((n+1)); sleep 0.05; done
    echo "zombies=$(${countZombies})"`;
  const run = runAsPid1(script);
  assert.equal(await exitOf(run, 60_000), 0, JSON.stringify(run.output()));
  assert.match(run.output().stdout, /forked/);
  assert.match(run.output().stdout, /zombies=0\b/, JSON.stringify(run.output()));
});

test("pid 1: SIGTERM from outside stops the command gracefully; steward exits with its status", { skip }, async () => {
  const run = runAsPid1('trap "echo got TERM; exit 42" TERM; echo started; sleep 300 & wait');
  await waitOutput(run, "started");
  process.kill(run.stewardPid(), "SIGTERM");
  assert.equal(await exitOf(run), 42, JSON.stringify(run.output()));
  assert.match(run.output().stdout, /got TERM/);
});

// The main shell and a child in its process group each say which signals reached them.
// The main one, on SIGUSR1, asks the child to finish with SIGUSR2; a child that got the
// forwarded SIGUSR1 too handles it first (lower-numbered pending signals come first).
const forwardingScript = `
  ( trap "echo child USR1" USR1; trap "echo child USR2; exit 0" USR2; echo child ready; while :; do sleep 0.1; done ) &
  c=$!
  trap 'echo main USR1; kill -USR2 $c; wait $c; exit 7' USR1
  while :; do wait; done`;

for (const forwardTo of ["main", "group"] as const) {
  test(`pid 1: SIGUSR1 is forwarded to the ${forwardTo === "main" ? "main process only" : "main process's process group (tini -g)"} (--forward-to=${forwardTo})`, { skip }, async () => {
    const run = runAsPid1(forwardingScript, [`--forward-to=${forwardTo}`]);
    await waitOutput(run, "child ready");
    process.kill(run.stewardPid(), "SIGUSR1");
    assert.equal(await exitOf(run), 7, JSON.stringify(run.output()));
    const { stdout } = run.output();
    assert.match(stdout, /main USR1/);
    assert.match(stdout, /child USR2/);
    if (forwardTo === "group") assert.match(stdout, /child USR1/, "the group gets the signal");
    else assert.doesNotMatch(stdout, /child USR1/, "only the main process gets the signal");
  });
}

test("pid 1: steward up stops a -> b -> c in reverse order on SIGTERM and exits 0 once all are down", { skip }, async () => {
  const units = join(dir, "ordered-units");
  const log = join(dir, "ordered.log");
  mkdirSync(units, { recursive: true });
  writeFileSync(log, "");
  // Type=notify: a unit is ready only after it has logged its start, so the order in the
  // log is the order steward started them in.
  const service = (name: string, after: string | null) => `[Unit]
${after ? `After=${after}.service\nRequires=${after}.service\n` : ""}
[Service]
Type=notify
NotifyAccess=all
TimeoutStopSec=10s
ExecStart=/bin/sh -c 'trap "echo stop-${name} >> ${log}; exit 0" TERM; echo start-${name} >> ${log}; ${process.execPath} ${cli} notify --ready; while :; do sleep 0.1; done'
`;
  writeFileSync(join(units, "a.service"), service("a", null));
  writeFileSync(join(units, "b.service"), service("b", "a"));
  writeFileSync(join(units, "c.service"), service("c", "b"));
  const run = asPid1(["up", "--units", units, "c"]);
  await waitUntil(() => (readFileSync(log, "utf8").includes("start-c") ? true : undefined), `c to start; ${JSON.stringify(run.output())}`, 30_000);
  process.kill(run.stewardPid(), "SIGTERM");
  assert.equal(await exitOf(run), 0, JSON.stringify(run.output()));
  assert.deepEqual(readFileSync(log, "utf8").trim().split("\n"), ["start-a", "start-b", "start-c", "stop-c", "stop-b", "stop-a"]);
  assert.match(run.output().stderr, /every unit stopped/);
  assert.doesNotMatch(run.output().stderr, /SIGKILL|timed out/i, "every unit stopped within its timeout");
});

// Tree tracking there must not mistake the host's processes (children of the host's PID 1)
// for orphans of its own: it once did, and waited forever for them to exit.
for (const tracking of ["auto", "tree"] as const) {
  test(`pid 1 with the outer namespace's /proc (no --mount-proc), ${tracking} tracking: steward says it is degraded, runs the command and exits with its status`, { skip }, async () => {
    // The command asks steward's status from inside, to see the degradation there too.
    const runtimeDir = join(dir, `foreign-proc-${tracking}`);
    const script = `(sleep 300 &); ${process.execPath} ${cli} --runtime-dir ${runtimeDir} status --json; exit 4`;
    const run = runAsPid1(script, [], { mountProc: false, runtimeDir, env: tracking === "tree" ? { STEWARD_TRACKING: "tree" } : {} });
    assert.equal(await exitOf(run), 4, JSON.stringify(run.output()));
    const { stderr, stdout } = run.output();
    assert.match(stderr, /degraded: \/proc belongs to another PID namespace \(it calls us \d+, we are 1;/);
    const statuses = JSON.parse(stdout) as { degraded: { feature: string; message: string }[] }[];
    assert.ok(statuses[0]?.degraded.some((d) => d.feature === "proc-foreign"), stdout);
  });
}
