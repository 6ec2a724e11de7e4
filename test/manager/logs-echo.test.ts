import assert from "node:assert/strict";
import { test } from "node:test";
import { styleText } from "node:util";
import { EchoSink, LogRegistry, unitColour } from "../../src/manager/logs/index.js";
import type { EchoTarget } from "../../src/manager/logs/index.js";

class Target implements EchoTarget {
  readonly written: string[] = [];
  writableLength = 0;
  constructor(readonly isTTY: boolean) {}
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
}

const ANSI = /\u001b\[[0-9;]*m/g;

function echoThrough(target: Target, env: NodeJS.ProcessEnv): LogRegistry {
  const registry = new LogRegistry({ directory: null, echo: target, echoOptions: { env } });
  // The manager creates every loaded unit's store up front, so the column is wide from the start.
  for (const unit of ["web.service", "background-worker.service"]) registry.store(unit);
  registry.store("web.service").append([{ time: "2024-05-01T12:00:00.000Z", monotonic: 0, stream: "stdout", text: "GET / 200" }]);
  registry.store("background-worker.service").append([{ time: "2024-05-01T12:00:00.001Z", monotonic: 1, stream: "stderr", text: "job 7 done" }]);
  registry.store("web.service").appendManagerLine("Stopping.");
  return registry;
}

test("echo: on a TTY each line is `name | text`, names padded to the longest and coloured per unit", () => {
  const target = new Target(true);
  const registry = echoThrough(target, {});
  assert.equal(registry.echo?.colour, true);
  const web = styleText(unitColour("web.service"), "web.service               |", { validateStream: false });
  const worker = styleText(unitColour("background-worker.service"), "background-worker.service |", { validateStream: false });
  assert.deepEqual(target.written, [`${web} GET / 200\n`, `${worker} job 7 done\n`, `${web} Stopping.\n`]);
  assert.notEqual(web, "web.service               |", "the label is coloured");
  assert.match(target.written[0] ?? "", /^\u001b\[\d+m/);
  assert.deepEqual(target.written.map((line) => line.replace(ANSI, "")), [
    "web.service               | GET / 200\n",
    "background-worker.service | job 7 done\n",
    "web.service               | Stopping.\n",
  ]);
});

test("echo: the colour of a unit is the same in every run and units differ", () => {
  assert.equal(unitColour("web.service"), unitColour("web.service"));
  const colours = new Set(["a.service", "b.service", "c.service", "d.service", "e.service", "f.service"].map(unitColour));
  assert.ok(colours.size > 1, "not every unit gets one colour");
  assert.equal(colours.has("red" as never), false);
});

test("echo: plain (padded, no escape codes) when the target is not a TTY", () => {
  const target = new Target(false);
  echoThrough(target, {});
  assert.deepEqual(target.written, [
    "web.service               | GET / 200\n",
    "background-worker.service | job 7 done\n",
    "web.service               | Stopping.\n",
  ]);
});

test("echo: plain on a TTY when NO_COLOR is set, or TERM is dumb; an empty NO_COLOR does not count", () => {
  for (const env of [{ NO_COLOR: "1" }, { TERM: "dumb" }]) {
    const target = new Target(true);
    echoThrough(target, env);
    assert.equal(target.written.join("").includes("\u001b["), false, JSON.stringify(env));
  }
  const target = new Target(true);
  echoThrough(target, { NO_COLOR: "" });
  assert.equal(target.written.join("").includes("\u001b["), true);
});

test("echo: while the target is not keeping up lines are dropped, then counted in one line", () => {
  const target = new Target(false);
  const sink = new EchoSink(target, { maxQueuedBytes: 100 });
  sink.reserve("a.service");
  const record = { time: "2024-05-01T12:00:00.000Z", monotonic: 0, stream: "stdout" as const, text: "x" };
  target.writableLength = 1000;
  sink.write("a.service", record);
  sink.write("a.service", record);
  assert.deepEqual(target.written, []);
  target.writableLength = 0;
  sink.write("a.service", { ...record, text: "y" });
  assert.deepEqual(target.written, [
    "steward   | 2 line(s) not echoed: the output was not keeping up\n",
    "a.service | y\n",
  ]);
});
