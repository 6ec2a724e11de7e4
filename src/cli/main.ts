#!/usr/bin/env node
// steward's command line. The manager and its commands land issue by issue;
// this front knows only what exists, and says so.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const HELP = `steward — a Linux service supervisor that speaks sd_notify, socket activation
and systemd unit files.

Usage:
  steward --help       show this help
  steward --version    show the version

The system layer (process spawning, reaping, pidfds, notify sockets, listening
sockets, fd utilities) and the unit-file parser are in place; the manager and
its commands (up, start, stop, status, logs, ...) are being built. See README.md.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { help: { type: "boolean", short: "h" }, version: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`steward: ${(error as Error).message}\nTry 'steward --help'.\n`);
    return 1;
  }
  if (values.version) {
    process.stdout.write(`steward ${version()}\n`);
    return 0;
  }
  process.stdout.write(HELP);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
