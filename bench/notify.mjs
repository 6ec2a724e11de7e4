// bench/notify: notify messages per second the manager handles from one sender, next to
// a bare C recvmsg loop on the same machine (the physical limit). The sender
// (bench/c/notify-sender.c) sends MESSAGES "STATUS=..." datagrams with blocking sends,
// then READY=1; steward's figure is MESSAGES / (time from the start request, over the
// API, to the start job's end, which READY=1 ends). No peer speaks sd_notify (s6's
// notification-fd is a one-shot readiness pipe, not a message protocol).
//   node bench/notify.mjs [MESSAGES]
import { join } from "node:path";
import { cli, nowNs, start, waitFor } from "./lib/common.mjs";
import { runFigure } from "./lib/harness.mjs";
import { steward } from "./lib/peers.mjs";
import { row } from "./lib/results.mjs";

const messages = Number(process.argv[2] ?? 50_000);
const base = { figure: "notify-throughput", metric: "messages per second", unit: "msg/s", services: 1, better: "higher", samples: messages };
const noPeer = (name) => ({ subject: name, available: () => `${name} has no sd_notify-style message protocol`, skipRows: [base] });

await runFigure("notify-throughput", base, [
  {
    subject: "limit",
    async measure(ws) {
      const address = `@steward-bench-notify-${process.pid}`;
      const rx = start([ws.build("recv-loop"), address, String(messages)], { ws, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      rx.stdout.on("data", (c) => (out += c));
      await waitFor(() => out.startsWith("ready\n"), { timeoutMs: 5000 });
      start([ws.build("notify-sender"), String(messages)], { ws, env: { NOTIFY_SOCKET: address }, stdio: "ignore" });
      const done = await Promise.race([rx.exited, new Promise((r) => setTimeout(() => r(null), 60_000))]);
      if (!done || done.code !== 0) throw new Error("recv-loop did not finish");
      return [row({ ...base, subject: "limit", value: Number(out.split("\n")[1]), note: "bare C recvmsg loop with SO_PASSCRED" })];
    },
  },
  {
    subject: "steward",
    available: steward.available,
    async measure(ws) {
      const sender = ws.build("notify-sender");
      const up = await steward.up(ws, [{ name: "flood", argv: [sender, String(messages)], mode: "notify" }], { autostart: false, unitExtra: "TimeoutStartSec=120s\n" });
      try {
        const { ApiClient } = await import(join(cli, "..", "..", "api", "client.js"));
        const api = new ApiClient(join(up.runtime, "control.sock"));
        const began = nowNs();
        const outcome = await api.submit({ action: "start", units: ["flood.service"] });
        const seconds = Number(nowNs() - began) / 1e9;
        if (!outcome.ok) throw new Error(`start flood: ${outcome.message}`);
        return [row({ ...base, subject: "steward", value: messages / seconds, note: "start request to READY=1, over the API (includes the spawn)" })];
      } finally {
        await up.shutdown();
      }
    },
  },
  ...["pm2", "supervisord", "s6", "runit"].map(noPeer),
], { lines: [] });
