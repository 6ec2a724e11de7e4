// bench/notify: notify messages per second the manager handles, next to a bare C
// recvmsg loop on the same machine (the physical limit). Prints figures; never fails.
//   node bench/notify.mjs [MESSAGES]
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const messages = Number(process.argv[2] ?? 50_000);
const here = fileURLToPath(new URL(".", import.meta.url));
const cli = join(here, "..", "dist", "src", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "steward-bench-notify-"));

function build(name) {
  const out = join(dir, name);
  execFileSync("cc", ["-O2", "-o", out, join(here, "c", `${name}.c`)]);
  return out;
}

function bareLoop(sender, receiver) {
  return new Promise((resolve, reject) => {
    const address = `@steward-bench-${process.pid}`;
    const rx = spawn(receiver, [address, String(messages)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    rx.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.startsWith("ready\n") && !rx.started) {
        rx.started = true;
        const tx = spawn(sender, [String(messages)], { env: { NOTIFY_SOCKET: address }, stdio: "ignore" });
        rx.on("exit", () => tx.kill("SIGTERM"));
      }
    });
    rx.on("exit", (code) => (code === 0 ? resolve(Number(out.split("\n")[1])) : reject(new Error(`recv-loop exited ${code}`))));
  });
}

async function steward(sender) {
  const units = join(dir, "units");
  const run = join(dir, "run");
  execFileSync("mkdir", ["-p", units]);
  writeFileSync(join(units, "flood.service"), `[Service]\nType=notify\nTimeoutStartSec=120s\nExecStart=${sender} ${messages}\n`);
  // No unit named and none with [Install]: up starts nothing; `start` below is timed.
  const up = spawn(process.execPath, [cli, "--runtime-dir", run, "up", "--units", units], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise((resolve) => up.stderr.on("data", (chunk) => String(chunk).includes(" up, ") && resolve()));
  const started = process.hrtime.bigint();
  execFileSync(process.execPath, [cli, "--runtime-dir", run, "start", "flood"]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  execFileSync(process.execPath, [cli, "--runtime-dir", run, "shutdown"]);
  await new Promise((resolve) => up.on("exit", resolve));
  return messages / seconds;
}

try {
  const sender = build("notify-sender");
  const receiver = build("recv-loop");
  const bare = await bareLoop(sender, receiver);
  const managed = await steward(sender);
  const rows = [
    ["bare C recvmsg loop", bare],
    ["steward manager", managed],
  ];
  console.log(`notify throughput, ${messages} messages from one sender (higher is better)`);
  for (const [name, rate] of rows) console.log(`  ${name.padEnd(22)} ${Math.round(rate).toString().padStart(9)} msg/s`);
  console.log(`  steward / bare loop     ${(managed / bare * 100).toFixed(0)}%   (goal: at least 50%)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
