// A flood: 100 services send 1,000 notify messages each while one of them hands its
// main process over (MAINPID=) and another's helper is refused. Nothing from an
// allowed sender is lost or misattributed; nothing from a refused sender is acted on.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { findProgram, fixture } from "../helpers/repo.js";
import { Steward } from "../helpers/steward.js";

const SERVICES = 100;
const MESSAGES = 1000;
const steward = new Steward({});
const cc = findProgram("cc");
const flood = join(steward.dir, "notify-flood");
if (cc) execFileSync(cc, ["-O2", "-o", flood, fixture("notify-flood.c")]);

const names = Array.from({ length: SERVICES }, (_, i) => `flood${i}.service`);
names.forEach((name, i) => {
  const mode = i === 0 ? "handover" : i === 1 ? "helper" : "plain";
  steward.writeUnit(name, `[Service]
Type=notify
${mode === "handover" ? "NotifyAccess=all" : "NotifyAccess=main"}
TimeoutStartSec=60s
ExecStart=${flood} ${MESSAGES} ${mode}
`);
});

before(async () => {
  if (cc) await steward.up([]);
});
after(() => steward.cleanup());

test("notify flood: every service's last STATUS= and READY=1 arrive, the handover is followed, the refused helper changes nothing", { skip: !cc && "no C compiler" }, async () => {
  const result = await steward.run("start", ...names);
  assert.equal(result.code, 0, result.stderr);
  const { units } = await steward.client.status(names);
  const expected = `message ${MESSAGES - 1}`;
  for (const unit of units) {
    assert.equal(unit.active, "active", unit.name);
    assert.equal(unit.statusText, expected, `${unit.name}: its own last message, not another's`);
  }
  const handover = units.find((u) => u.name === "flood0.service");
  assert.ok(handover?.mainPid);
  assert.match(readComm(handover.mainPid), /notify-flood/);
  const helper = units.find((u) => u.name === "flood1.service");
  assert.ok(helper?.recentLogs.some((l) => /notification from PID \d+/i.test(l.text)), JSON.stringify(helper?.recentLogs));
});

function readComm(pid: number): string {
  return execFileSync("cat", [`/proc/${pid}/comm`]).toString().trim();
}
