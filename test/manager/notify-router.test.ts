import assert from "node:assert/strict";
import fc from "fast-check";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { NotifyRouter } from "../../src/manager/notify-router.js";
import { closeFd, openFds, sendNotify } from "../../src/sys/index.js";
import { waitUntil } from "../helpers/events.js";

const dir = mkdtempSync(join(tmpdir(), "steward-router-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const queueLength = Math.max(1, Math.min(50, Number(readFileSync("/proc/sys/net/unix/max_dgram_qlen", "utf8"))));

test("notify router: random datagrams with fds are delivered or refused, and no fd is left behind", async () => {
  const before = openFds();
  let handled = 0;
  const refusals: string[] = [];
  const router = new NotifyRouter(dir, {
    unitOf: (pid) => (pid === process.pid ? "fuzz.service" : null),
    deliver: () => void handled++, // takes no fd: the router must close them all
    refuse: (_unit, message) => {
      refusals.push(message);
      handled++;
    },
    warn: () => undefined,
  });
  let sent = 0;
  try {
    const samples = fc.sample(
      fc.tuple(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 300 }).map((s) => Buffer.from(s))), fc.nat(3)),
      { numRuns: 600, seed: 42 },
    );
    for (let i = 0; i < samples.length; i += queueLength) {
      for (const [payload, fdCount] of samples.slice(i, i + queueLength)) {
        const fds = Array.from({ length: fdCount }, () => openSync("/dev/null", "r"));
        try {
          sendNotify(router.address, Buffer.from(payload), { fds, dontWait: true });
          sent++;
        } finally {
          fds.forEach(closeFd);
        }
      }
      await waitUntil(() => (handled >= sent ? true : undefined), `${sent} datagrams to be handled`);
    }
    // Barriers and oversized datagrams are refused or answered too, never kept.
    const big = [openSync("/dev/null", "r")];
    sendNotify(router.address, Buffer.alloc(5000, "x"), { fds: big, dontWait: true });
    closeFd(big[0] ?? -1);
    sent++;
    await waitUntil(() => (handled >= sent ? true : undefined), "the oversized datagram");
  } finally {
    router.close();
  }
  assert.ok(refusals.some((r) => r.includes("longer than 4096 bytes")), "the oversized datagram was refused with its reason");
  assert.deepEqual(openFds(), before);
});
