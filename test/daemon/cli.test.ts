// How `steward daemon-control` reads its arguments: as GNU getopt_long reads
// ucw-daemon-control's (run in-process; the actions themselves are tested
// as processes in control.test.ts).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { DAEMON_CONTROL_USAGE, runDaemonControl } from "../../src/cli/daemon-control-command.js";
import { DaemonControlStatus } from "../../src/protocol/ucw-status.js";
import { tempDir, which } from "./harness.js";

const root = tempDir("cli");
after(() => root.remove());

async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runDaemonControl(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}

const pidFile = join(root.path, "d.pid");

test("cli: --help prints the usage on stdout and exits 0", async () => {
  for (const help of ["--help", "-h"]) {
    assert.deepEqual(await run([help]), { code: 0, stdout: DAEMON_CONTROL_USAGE, stderr: "" });
  }
});

test("cli: usage errors name the problem, print the usage and exit 1", async () => {
  const cases: [string[], RegExp][] = [
    [[], /--pid-file is mandatory/],
    [["--pid-file", pidFile], /no action given/],
    [["--start", "--pid-file", pidFile], /--start needs the daemon's command/],
    [["--check", "--pid-file", pidFile, "cmd"], /unexpected argument "cmd"/],
    [["--check", "--pid-file", pidFile, "-v"], /invalid option -- 'v'/],
    [["--check", "--pid-file", pidFile, "--verbose"], /unrecognized option '--verbose'/],
    [["--st", "--pid-file", pidFile], /option '--st' is ambiguous/],
    [["--check", "--pid-file"], /option '--pid-file' requires an argument/],
    [["--check=1", "--pid-file", pidFile], /option '--check' doesn't allow an argument/],
    [["--check", "--pid-file", pidFile, "--timeout", "soon"], /invalid --timeout/],
    [["--stop", "--pid-file", pidFile, "--keeper"], /--keeper goes with --start/],
    // steward's own options are never abbreviated (so libucw's abbreviations keep their meaning)
    [["--check", "--pid-file", pidFile, "--kee"], /unrecognized option '--kee'/],
  ];
  for (const [argv, reason] of cases) {
    const result = await run(argv);
    assert.equal(result.code, DaemonControlStatus.usage, argv.join(" "));
    assert.match(result.stderr, reason, argv.join(" "));
    assert.ok(result.stderr.endsWith(DAEMON_CONTROL_USAGE), "the usage follows");
  }
});

test("cli: an unknown signal and an underivable guard file exit 1 with one line, as libucw", async () => {
  assert.deepEqual(await run(["--check", "--pid-file", pidFile, "--signal", "SIGFOO"]), {
    code: 1, stdout: "", stderr: "steward daemon-control: Unknown signal SIGFOO\n",
  });
  assert.deepEqual(await run(["--check", "--pid-file", join(root.path, "daemon")]), {
    code: 1, stdout: "", stderr: "steward daemon-control: For automatic choice of --guard-file, the --pid-file must end with `.pid'\n",
  });
});

test("cli: signals by name, bare name, number or real-time name; the last action given wins", async () => {
  for (const signal of ["SIGUSR1", "USR1", "10", "SIGRTMIN+1"]) {
    assert.equal((await run(["--reload", "--pid-file", pidFile, "--signal", signal])).code, DaemonControlStatus.notRunning, signal);
  }
  assert.equal((await run(["--stop", "--check", "--pid-file", pidFile])).code, DaemonControlStatus.notRunning);
  assert.equal((await run(["--check", "--stop", "--pid-file", pidFile])).code, DaemonControlStatus.already);
});

test("cli: words before -- join the command, in order (getopt's permutation), unless POSIXLY_CORRECT", async () => {
  const dir = join(root.path, "permute");
  mkdirSync(dir);
  const out = join(dir, "args");
  const script = join(dir, "launcher.sh");
  writeFileSync(script, `echo "$@" > ${out}\n`);
  const permuted = await run(["--start", which("sh"), `--pid-file=${join(dir, "d.pid")}`, script, "--", "-x", "--y"]);
  assert.equal(permuted.code, DaemonControlStatus.ok, permuted.stderr);
  assert.equal(readFileSync(out, "utf8"), "-x --y\n");
  const strict = await run(["--start", `--pid-file=${join(dir, "d.pid")}`, which("sh"), script, "--pid-file", "z"], {
    ...process.env,
    POSIXLY_CORRECT: "1",
  });
  assert.equal(strict.code, DaemonControlStatus.ok, strict.stderr);
  assert.equal(readFileSync(out, "utf8"), "--pid-file z\n");
});
