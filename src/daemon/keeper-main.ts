// Entry of the keeper process (see keeper.ts):
//   node keeper-main.js --pid-file FILE [--log FILE] -- CMD [ARG...]
// Started by spawnDaemon (steward daemon-control --start --keeper), it is the
// keeper itself. Started any other way it behaves like a libucw daemon's
// launcher: it daemonizes a keeper, waits until that holds the lock, and
// exits 0 (or 1 with a message), so that even libucw's ucw-daemon-control
// can start a foreground program through it.
import { resolve } from "node:path";
import { DaemonControlStatus } from "../protocol/ucw-status.js";
import { daemonizeSelf, isDaemonizedChild } from "./daemonize.js";
import { runKeeper } from "./keeper.js";

const USAGE = "usage: keeper-main.js --pid-file FILE [--log FILE] -- CMD [ARG...]";

interface KeeperArguments {
  pidFile: string;
  log: string | null;
  command: string[];
}

function parse(argv: readonly string[]): KeeperArguments | string {
  let pidFile: string | null = null;
  let log: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      const command = argv.slice(i + 1);
      if (pidFile === null) return "--pid-file is required";
      if (command.length === 0) return "a command is required after --";
      return { pidFile, log, command };
    }
    const value = argv[i + 1];
    if ((word === "--pid-file" || word === "--log") && value !== undefined) {
      if (word === "--pid-file") pidFile = value;
      else log = value;
      i++;
      continue;
    }
    return `unexpected argument ${JSON.stringify(word)}`;
  }
  return "a command is required after --";
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  if (typeof args === "string") {
    process.stderr.write(`keeper: ${args}\n${USAGE}\n`);
    return 1;
  }
  if (isDaemonizedChild()) return runKeeper({ pidFile: args.pidFile, command: args.command });
  const result = await daemonizeSelf({
    pidFile: resolve(args.pidFile),
    guardFile: null, // whoever runs us as a daemon's command holds the guard
    cwd: process.cwd(),
    log: args.log === null ? null : resolve(args.log),
    timeoutMs: null,
  });
  if (result.status === DaemonControlStatus.ok || result.status === DaemonControlStatus.stale) return 0;
  process.stderr.write(`keeper: ${result.message}\n`);
  return 1;
}

process.exit(await main());
