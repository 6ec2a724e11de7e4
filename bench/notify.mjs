// bench/notify: notify messages per second the manager handles, next to a bare C
// recvmsg loop on the same machine (the physical limit). Prints figures; never fails.
//   node bench/notify.mjs [MESSAGES]
// One measure for every receiver: the sender times its N datagrams from the first send
// until the receiver answers the BARRIER=1 that follows them (every message handled).
// The limit is measured on both kinds of address: the manager's notify socket is a
// path in its runtime directory (as systemd's is), and a path costs the sender a
// filesystem lookup on every send that an abstract address does not.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as delay } from "node:timers/promises";

const messages = Number(process.argv[2] ?? 200_000);
const here = fileURLToPath(new URL(".", import.meta.url));
const cli = join(here, "..", "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "steward-bench-notify-"));
const rateFile = join(dir, "rate");

function build(name) {
  const out = join(dir, name);
  execFileSync("cc", ["-O2", "-o", out, join(here, "c", `${name}.c`)]);
  return out;
}

/** Polls for the sender's figure (bounded: a benchmark must end). */
async function readRate(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(rateFile)) {
      const text = readFileSync(rateFile, "utf8");
      if (text.endsWith("\n")) {
        rmSync(rateFile);
        return Number(text);
      }
    }
    await delay(20);
  }
  throw new Error("the sender gave no figure in time");
}

async function bareLoop(sender, receiver, address) {
  const rx = spawn(receiver, [address, String(messages)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise((resolve, reject) => {
      rx.stdout.once("data", resolve);
      rx.once("exit", (code) => reject(new Error(`recv-loop exited ${code}`)));
    });
    const tx = spawn(sender, [String(messages)], { env: { NOTIFY_SOCKET: address, RATE_FILE: rateFile }, stdio: "ignore" });
    try {
      return await readRate();
    } finally {
      tx.kill("SIGKILL");
    }
  } finally {
    rx.kill("SIGKILL");
  }
}

async function steward(sender) {
  const units = join(dir, "units");
  const run = join(dir, "run");
  mkdirSync(units, { recursive: true });
  writeFileSync(
    join(units, "flood.service"),
    `[Service]\nType=notify\nTimeoutStartSec=120s\nEnvironment=RATE_FILE=${rateFile}\nExecStart=${sender} ${messages}\n`,
  );
  // No unit named and none with [Install]: up starts nothing until asked.
  const up = spawn(process.execPath, [cli, "--runtime-dir", run, "up", "--units", units], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    await new Promise((resolve) => up.stderr.on("data", (chunk) => String(chunk).includes(" up, ") && resolve()));
    execFileSync(process.execPath, [cli, "--runtime-dir", run, "start", "flood"]);
    return await readRate();
  } finally {
    execFileSync(process.execPath, [cli, "--runtime-dir", run, "shutdown"]);
    await new Promise((resolve) => up.on("exit", resolve));
  }
}

try {
  const sender = build("notify-sender");
  const receiver = build("recv-loop");
  const abstract = await bareLoop(sender, receiver, `@steward-bench-${process.pid}`);
  mkdirSync(join(dir, "bare"));
  const path = await bareLoop(sender, receiver, join(dir, "bare", "notify"));
  const managed = await steward(sender);
  const rows = [
    ["bare C loop, abstract address", abstract],
    ["bare C loop, path address", path],
    ["steward manager (path)", managed],
  ];
  console.log(`notify throughput, ${messages} messages from one sender, until its barrier is answered (higher is better)`);
  for (const [name, rate] of rows) console.log(`  ${name.padEnd(30)} ${Math.round(rate).toString().padStart(9)} msg/s`);
  console.log(`  steward / bare loop, same kind of socket   ${((managed / path) * 100).toFixed(0)}%   (goal: at least 50%)`);
  console.log(`  steward / bare loop, abstract address      ${((managed / abstract) * 100).toFixed(0)}%`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
