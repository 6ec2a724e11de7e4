// The manager is one long-lived Node process holding a little state per service. Node's
// default young generation (semi-spaces of 16 MB) suits short programs that allocate fast;
// for the manager it mostly keeps pages resident: with 1,000 services a 4 MB semi-space
// takes about 24 MB less RSS (87 against 111 MB) and starts them as fast; 2 MB saves a
// little more but costs start-up time in scavenges. V8 reads the flag at start-up
// only, so `up` and `run` start over with it: execve, same PID (PID 1 stays PID 1), same
// fds and environment. Nothing has been started yet when this runs.
import { DAEMON_REPORT_FD_ENV } from "../daemon/daemonize.js";
import { execReplace } from "../sys/index.js";

const MANAGER_V8_FLAGS = ["--max-semi-space-size=4"];

export function restartWithManagerFlags(): void {
  if (process.execArgv.some((arg) => arg.startsWith("--max-semi-space-size"))) return;
  try {
    // stdio, and `up --detach`'s report pipe to the launcher (named in the environment).
    const report = Number(process.env[DAEMON_REPORT_FD_ENV] ?? "-1");
    const keep = [0, 1, 2, ...(Number.isInteger(report) && report > 2 ? [report] : [])];
    execReplace(process.execPath, [process.execPath, ...MANAGER_V8_FLAGS, ...process.execArgv, ...process.argv.slice(1)], process.env, keep);
  } catch {
    // Could not exec ourselves again (the binary moved away?): run on as we are.
  }
}
