// What every benchmark script shares: a temp dir per run, the C helpers compiled into
// it, bounded waits, and the clean-up that leaves no process behind.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = fileURLToPath(new URL("..", import.meta.url));
export const repoDir = join(benchDir, "..");
export const cli = join(repoDir, "dist", "src", "cli", "main.js");

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const nowNs = () => process.hrtime.bigint(); // CLOCK_MONOTONIC, as the C helpers stamp

/** A temp dir for one benchmark run; every process whose command line or environment
 *  names it is killed by cleanup(), whatever state the run ended in. */
export function workspace(name) {
  const dir = mkdtempSync(join(tmpdir(), `steward-bench-${name}-`));
  const built = new Map();
  return {
    dir,
    /** Compiles bench/c/NAME.c (static when the C library allows: less loader time). */
    build(cname) {
      if (built.has(cname)) return built.get(cname);
      const out = join(dir, cname);
      const src = join(benchDir, "c", `${cname}.c`);
      try {
        execFileSync("cc", ["-O2", "-static", "-o", out, src], { stdio: "pipe" });
      } catch {
        execFileSync("cc", ["-O2", "-o", out, src]);
      }
      built.set(cname, out);
      return out;
    },
    /** Kills every process naming the workspace; `remove` also deletes the dir. */
    async cleanup(remove = true) {
      for (let pass = 0; pass < 5; pass++) {
        const left = processesNaming(dir);
        if (left.length === 0) break;
        for (const pid of left) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // gone already
          }
        }
        await sleep(100);
      }
      if (remove) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PIDs of the processes whose command line or environment contains `text`. */
export function processesNaming(text) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    for (const file of ["cmdline", "environ"]) {
      try {
        if (readFileSync(`/proc/${entry}/${file}`, "latin1").includes(text)) {
          found.push(Number(entry));
          break;
        }
      } catch {
        // exited, or not ours to read
      }
    }
  }
  return found;
}

/** Waits until `check()` returns a truthy value, polling; null when the deadline passes. */
export async function waitFor(check, { timeoutMs, everyMs = 5 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() >= deadline) return null;
    await sleep(everyMs);
  }
}

/** Starts a long-lived process in its own process group, tagged by the workspace dir. */
export function start(argv, { ws, env = {}, cwd, stdio = ["ignore", "ignore", "pipe"] } = {}) {
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    detached: true,
    stdio,
    env: { ...process.env, ...env, STEWARD_BENCH_WORKSPACE: ws.dir },
  });
  child.on("error", () => {});
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  child.stderrText = () => stderr;
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return child;
}

/** Runs a short command to completion, bounded; returns {code, stdout, stderr, ms}. */
export function run(argv, { env = {}, timeoutMs = 30_000, cwd, input } = {}) {
  return new Promise((resolve) => {
    const began = nowNs();
    const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: String(error), ms: 0 });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, ms: Number(nowNs() - began) / 1e6 });
    });
  });
}

/** The stamp lines ("S|E|R pid ns") the stamp helper appended to `file`. */
export function readStamps(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [kind, pid, ns] = line.split(" ");
      return { kind, pid: Number(pid), ns: BigInt(ns) };
    });
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Every descendant of `pid` (children first found through /proc/PID/task/TID/children). */
export function descendants(pid) {
  const out = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift();
    let children = [];
    try {
      for (const tid of readdirSync(`/proc/${current}/task`)) {
        children.push(...readFileSync(`/proc/${current}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number));
      }
    } catch {
      children = [];
    }
    for (const child of children) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Resident set size of one process, in kB (VmRSS). */
export function rssKb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** On-CPU time of a process, all threads, in ms (schedstat: ns resolution, unlike the
 *  10 ms ticks of /proc/PID/stat), and how many times its threads were scheduled in
 *  (each a wake-up, or a preemption while busy). */
export function cpuOf(pid) {
  let ns = 0;
  let runs = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [onCpu, , timeslices] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(" ").map(Number);
      ns += onCpu;
      runs += timeslices;
    }
  } catch {
    // exited while we looked
  }
  return { cpuMs: ns / 1e6, runs };
}

export function commandName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** Proportional set size in kB: shared pages split among the processes sharing them
 *  (fair when a supervisor is a thousand small processes sharing one libc). */
export function pssKb(pid) {
  try {
    const match = /\nPss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
