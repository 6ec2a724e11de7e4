// bench/notify: notify messages per second the manager handles from one sender, next to
// a bare C recvmsg loop on the same machine (the physical limit). One measure for every
// receiver: the sender (bench/c/notify-sender.c) times its MESSAGES "STATUS=..." datagrams,
// sent blocking as sd_notify does, from the first send until the receiver answers the
// BARRIER=1 that follows them (by then every message was handled), and writes the rate to
// $RATE_FILE. The limit is measured on both kinds of address: steward's notify socket is
// a path in its runtime directory (as systemd's is), and a path costs the sender a
// filesystem lookup per send that an abstract address does not. No peer speaks sd_notify
// (s6's notification-fd is a one-shot readiness pipe, not a message protocol).
//   node bench/notify.mjs [MESSAGES]
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { start, waitFor } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { steward } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";

const messages = Number(process.argv[2] ?? 200_000);
const base = { figure: "notify-throughput", metric: "messages per second", unit: "msg/s", services: 1, better: "higher", samples: messages };
const noPeer = (name) => ({ subject: name, available: () => `${name} has no sd_notify-style message protocol`, skipRows: [base] });

/** The sender's figure, once it has written it (bounded: a benchmark must end). */
async function rate(file) {
  await waitFor(() => existsSync(file) && readFileSync(file, "utf8").endsWith("\n"), { timeoutMs: 120_000, everyMs: 20 });
  const value = Number(readFileSync(file, "utf8"));
  rmSync(file);
  return value;
}

async function bareLoop(ws, address, variant) {
  const rateFile = join(ws.dir, `rate-${variant.split(" ")[0]}`);
  const rx = start([ws.build("recv-loop"), address, String(messages)], { ws, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  rx.stdout.on("data", (c) => (out += c));
  await waitFor(() => out.startsWith("ready\n"), { timeoutMs: 5000 });
  start([ws.build("notify-sender"), String(messages)], { ws, env: { NOTIFY_SOCKET: address, RATE_FILE: rateFile }, stdio: "ignore" });
  return row({ ...base, subject: "limit", variant, value: await rate(rateFile), note: "bare C recvmsg loop with SO_PASSCRED" });
}

await runFigure("notify-throughput", base, [
  {
    subject: "limit",
    async measure(ws) {
      return [
        await bareLoop(ws, `@steward-bench-notify-${process.pid}`, "abstract address"),
        await bareLoop(ws, join(ws.dir, "notify"), "path address"),
      ];
    },
  },
  {
    subject: "steward",
    available: steward.available,
    async measure(ws) {
      const rateFile = join(ws.dir, "rate-steward");
      const sender = ws.build("notify-sender");
      const flood = { name: "flood", argv: [sender, String(messages)], env: { RATE_FILE: rateFile }, mode: "notify" };
      const up = await steward.up(ws, [flood], { autostart: false, unitExtra: "TimeoutStartSec=120s\n" });
      try {
        const { ApiClient } = await import(new URL("../dist/src/api/client.js", import.meta.url).href);
        const api = new ApiClient(join(up.runtime, "control.sock"));
        const started = api.submit({ action: "start", units: ["flood.service"] });
        const value = await rate(rateFile);
        const outcome = await started;
        if (!outcome.ok) throw new Error(`start flood: ${outcome.message}`);
        return [row({ ...base, subject: "steward", variant: "path address", value, note: "the manager's notify socket (a path, as systemd's)" })];
      } finally {
        await up.shutdown();
      }
    },
  },
  ...["pm2", "supervisord", "s6", "runit"].map(noPeer),
], { lines: [] });
