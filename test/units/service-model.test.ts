import assert from "node:assert/strict";
import { test } from "node:test";
import { constants } from "node:os";
import { lexUnitFile } from "../../src/units/unit-lexer.js";
import { buildUnitModel } from "../../src/units/unit-model.js";
import type { ServiceUnitModel, UnitModelBuild } from "../../src/units/unit-model.js";
import type { ServiceSection } from "../../src/units/service-section.js";
import type { SpecifierHost } from "../../src/units/specifiers.js";

const { SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGABRT, SIGUSR2 } = constants.signals;

const host: SpecifierHost = { runtimeRoot: "/run", home: "/root", userName: "root", uid: 0, groupName: "root", gid: 0 };

/** The fragment is /units/NAME, each drop-in /units/NAME.d/N.conf. */
function build(name: string, fragment: string, ...dropIns: string[]): UnitModelBuild {
  const sources = [fragment, ...dropIns].map((text, i) => ({
    path: i === 0 ? `/units/${name}` : `/units/${name}.d/${i}.conf`,
    syntax: lexUnitFile(text),
  }));
  return buildUnitModel(name, sources, host);
}

function serviceModel(fragment: string, ...dropIns: string[]): ServiceUnitModel {
  const built = build("web.service", fragment, ...dropIns);
  assert.deepEqual(built.errors, [], "unexpected errors");
  assert.equal(built.model.kind, "service");
  return built.model;
}

function service(body: string, ...dropIns: string[]): ServiceSection {
  return serviceModel(`[Service]\n${body}\n`, ...dropIns).service;
}

function errorsOf(body: string): UnitModelBuild["errors"] {
  return build("web.service", `[Service]\n${body}\n`).errors;
}

test("service: defaults are systemd's", () => {
  const s = service("ExecStart=/bin/web");
  assert.equal(s.type, "simple");
  assert.equal(s.exitType, "main");
  assert.equal(s.restart, "no");
  assert.equal(s.restartUsec, 100_000);
  assert.equal(s.restartSteps, 0);
  assert.equal(s.restartMaxDelayUsec, Infinity);
  assert.equal(s.timeoutStartUsec, 90_000_000);
  assert.equal(s.timeoutStopUsec, 90_000_000);
  assert.equal(s.timeoutAbortUsec, null);
  assert.equal(s.runtimeMaxUsec, Infinity);
  assert.equal(s.watchdogUsec, 0);
  assert.equal(s.notifyAccess, "none");
  assert.equal(s.guessMainPid, true);
  assert.equal(s.remainAfterExit, false);
  assert.equal(s.reloadSignal, SIGHUP);
  assert.equal(s.fileDescriptorStoreMax, 0);
  assert.equal(s.fileDescriptorStorePreserve, "restart");
  assert.equal(s.oomPolicy, "stop");
  assert.deepEqual(s.kill, {
    killMode: "control-group",
    killSignal: SIGTERM,
    restartKillSignal: SIGTERM,
    finalKillSignal: SIGKILL,
    watchdogSignal: SIGABRT,
    sendSigkill: true,
    sendSighup: false,
  });
  assert.equal(s.exec.umask, 0o022);
  assert.deepEqual(s.exec.standardInput, { kind: "null" });
  assert.deepEqual(s.exec.standardOutput, { kind: "log", console: false });
  assert.deepEqual(s.exec.standardError, { kind: "inherit" });
  assert.equal(s.exec.workingDirectory, null);
  assert.deepEqual(s.successExitStatus, { codes: [], signals: [] });
});

test("service: [Unit] defaults are systemd's (start limit 10s/5, default dependencies)", () => {
  const { unit, install } = serviceModel("[Service]\nExecStart=/bin/web\n");
  assert.equal(unit.startLimitIntervalUsec, 10_000_000);
  assert.equal(unit.startLimitBurst, 5);
  assert.equal(unit.defaultDependencies, true);
  assert.equal(unit.description, null);
  assert.equal(install, null);
});

const typeRows: [name: string, body: string, expected: Partial<ServiceSection>][] = [
  ["service: without Type= and without ExecStart= the type is oneshot", "RemainAfterExit=yes\nExecStop=/bin/stop", { type: "oneshot", timeoutStartUsec: Infinity }],
  ["service: a oneshot service has no start timeout unless set", "Type=oneshot\nExecStart=/bin/a", { timeoutStartUsec: Infinity }],
  ["service: a oneshot service keeps an explicit start timeout", "Type=oneshot\nTimeoutStartSec=5\nExecStart=/bin/a", { timeoutStartUsec: 5_000_000 }],
  ["service: Type=notify forces NotifyAccess=main", "Type=notify\nExecStart=/bin/a", { type: "notify", notifyAccess: "main" }],
  ["service: Type=notify-reload forces NotifyAccess=main even over none", "Type=notify-reload\nNotifyAccess=none\nExecStart=/bin/a", { notifyAccess: "main" }],
  ["service: NotifyAccess=all stays all", "Type=notify\nNotifyAccess=all\nExecStart=/bin/a", { notifyAccess: "all" }],
  ["service: WatchdogSec= forces NotifyAccess=main", "WatchdogSec=10\nExecStart=/bin/a", { notifyAccess: "main", watchdogUsec: 10_000_000 }],
  ["service: FileDescriptorStoreMax= forces NotifyAccess=main", "FileDescriptorStoreMax=4\nExecStart=/bin/a", { notifyAccess: "main", fileDescriptorStoreMax: 4 }],
  ["service: steward's Type=stop is accepted", "Type=stop\nExecStart=/bin/a", { type: "stop", notifyAccess: "none" }],
  ["service: Type=forking with PIDFile relative to the runtime root", "Type=forking\nPIDFile=web.pid\nExecStart=/bin/a", { type: "forking", pidFile: "/run/web.pid" }],
  ["service: Type=exec", "Type=exec\nExecStart=/bin/a", { type: "exec" }],
];

for (const [name, body, expected] of typeRows) {
  test(name, () => {
    const s = service(body);
    for (const [key, want] of Object.entries(expected)) assert.deepEqual(s[key as keyof ServiceSection], want, key);
  });
}

const timeRows: [name: string, body: string, expected: Partial<ServiceSection>][] = [
  ["service: TimeoutSec= sets start and stop timeouts", "TimeoutSec=30", { timeoutStartUsec: 30_000_000, timeoutStopUsec: 30_000_000 }],
  ["service: a timeout of 0 means no timeout", "TimeoutStopSec=0\nTimeoutStartSec=0", { timeoutStartUsec: Infinity, timeoutStopUsec: Infinity }],
  ["service: timeouts take time spans with units", "TimeoutStopSec=1min 30s\nRestartSec=500ms", { timeoutStopUsec: 90_000_000, restartUsec: 500_000 }],
  ["service: TimeoutStartSec=infinity", "TimeoutStartSec=infinity", { timeoutStartUsec: Infinity }],
  ["service: TimeoutAbortSec= is kept; empty falls back to the stop timeout", "TimeoutAbortSec=3\nTimeoutAbortSec=", { timeoutAbortUsec: null }],
  ["service: RestartSteps with RestartMaxDelaySec", "RestartSec=1\nRestartSteps=5\nRestartMaxDelaySec=1min", { restartSteps: 5, restartMaxDelayUsec: 60_000_000 }],
  ["service: RestartMaxDelaySec below RestartSec lowers RestartSec", "RestartSec=10\nRestartSteps=2\nRestartMaxDelaySec=2", { restartUsec: 2_000_000 }],
  ["service: RuntimeMaxSec", "RuntimeMaxSec=1h", { runtimeMaxUsec: 3_600_000_000 }],
];

for (const [name, body, expected] of timeRows) {
  test(name, () => {
    const s = service(`ExecStart=/bin/web\n${body}`);
    for (const [key, want] of Object.entries(expected)) assert.deepEqual(s[key as keyof ServiceSection], want, key);
  });
}

test("service: Restart= policies and exit status sets", () => {
  const s = service(
    [
      "ExecStart=/bin/web",
      "Restart=on-abnormal",
      "RestartPreventExitStatus=1 2",
      "RestartPreventExitStatus=SIGINT 2",
      "RestartForceExitStatus=TEMPFAIL",
      "SuccessExitStatus=75 SIGUSR2",
      "SuccessExitStatus=",
      "SuccessExitStatus=3 USR2",
    ].join("\n"),
  );
  assert.equal(s.restart, "on-abnormal");
  assert.deepEqual(s.restartPreventExitStatus, { codes: [1, 2], signals: [SIGINT] });
  assert.deepEqual(s.restartForceExitStatus, { codes: [75], signals: [] });
  assert.deepEqual(s.successExitStatus, { codes: [3], signals: [SIGUSR2] });
});

test("service: Exec*= lines append, and an empty one resets (drop-in override)", () => {
  const s = service(
    "ExecStartPre=/bin/pre1\nExecStartPre=-/bin/pre2 x\nExecStart=/bin/old\nExecReload=/bin/kill -HUP $MAINPID",
    "[Service]\nExecStart=\nExecStart=/bin/new --flag\nExecStopPost=/bin/cleanup\n",
  );
  assert.deepEqual(s.commands.ExecStartPre.map((c) => [c.ignoreFailure, ...c.argv]), [[false, "/bin/pre1"], [true, "/bin/pre2", "x"]]);
  assert.deepEqual(s.commands.ExecStart.map((c) => c.argv), [["/bin/new", "--flag"]]);
  assert.deepEqual(s.commands.ExecReload[0]?.expandsEnvironment, [false, false, true]);
  assert.deepEqual(s.commands.ExecStopPost.map((c) => c.path), ["/bin/cleanup"]);
  assert.deepEqual(s.commands.ExecStop, []);
});

test("service: Environment= takes quoted assignments, several per line; later ones replace", () => {
  const s = service('ExecStart=/bin/web\nEnvironment="A=1 2" B=3\nEnvironment=B=4 C=\\x41\nEnvironment=PORT=%i');
  assert.deepEqual([...s.exec.environment], [["A", "1 2"], ["B", "4"], ["C", "A"], ["PORT", ""]]);
});

test("service: an empty Environment= resets it", () => {
  const s = service("ExecStart=/bin/web\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2");
  assert.deepEqual([...s.exec.environment], [["B", "2"]]);
});

test("service: environment files, passed and unset variables", () => {
  const s = service(
    "ExecStart=/bin/web\nEnvironmentFile=-/etc/default/web\nEnvironmentFile=/etc/web.env\nPassEnvironment=PATH LANG\nPassEnvironment=PATH TERM\nUnsetEnvironment=TMP A=1",
  );
  assert.deepEqual(s.exec.environmentFiles, [
    { path: "/etc/default/web", optional: true },
    { path: "/etc/web.env", optional: false },
  ]);
  assert.deepEqual(s.exec.passEnvironment, ["PATH", "LANG", "TERM"]);
  assert.deepEqual(s.exec.unsetEnvironment, ["TMP", "A=1"]);
});

test("service: credentials, working directory, umask, nice, limits", () => {
  const s = service(
    "ExecStart=/bin/web\nUser=www-data\nGroup=100\nSupplementaryGroups=adm audio\nSupplementaryGroups=video\nWorkingDirectory=-~\nUMask=0077\nNice=-5\nLimitNOFILE=1024:4096\nLimitCORE=infinity\nLimitAS=2G",
  );
  assert.equal(s.exec.user, "www-data");
  assert.equal(s.exec.group, "100");
  assert.deepEqual(s.exec.supplementaryGroups, ["adm", "audio", "video"]);
  assert.deepEqual(s.exec.workingDirectory, { kind: "home", missingOk: true });
  assert.equal(s.exec.umask, 0o077);
  assert.equal(s.exec.nice, -5);
  assert.deepEqual(s.exec.limits, {
    NOFILE: { soft: 1024, hard: 4096 },
    CORE: { soft: Infinity, hard: Infinity },
    AS: { soft: 2 ** 31, hard: 2 ** 31 },
  });
});

test("service: WorkingDirectory= with a path is simplified", () => {
  assert.deepEqual(service("ExecStart=/bin/web\nWorkingDirectory=/srv//web/.").exec.workingDirectory, {
    kind: "path",
    path: "/srv/web",
    missingOk: false,
  });
});

const stdioRows: [name: string, body: string, stdin: unknown, stdout: unknown, stderr: unknown][] = [
  ["stdio: journal, syslog and kmsg are steward's log", "StandardOutput=syslog\nStandardError=kmsg+console", { kind: "null" }, { kind: "log", console: false }, { kind: "log", console: true }],
  ["stdio: file outputs keep their mode and path", "StandardOutput=append:/var/log/web.log\nStandardError=truncate:/tmp/err", { kind: "null" }, { kind: "file", path: "/var/log/web.log", mode: "append" }, { kind: "file", path: "/tmp/err", mode: "truncate" }],
  ["stdio: with socket input, inherit stays on stdout", "StandardInput=socket", { kind: "socket" }, { kind: "inherit" }, { kind: "inherit" }],
  ["stdio: with null input, inherit on stdout becomes the log", "StandardOutput=inherit\nStandardError=null", { kind: "null" }, { kind: "log", console: false }, { kind: "null" }],
  ["stdio: named fds", "StandardInput=fd:in\nStandardOutput=fd", { kind: "fd", name: "in" }, { kind: "fd", name: null }, { kind: "inherit" }],
];

for (const [name, body, stdin, stdout, stderr] of stdioRows) {
  test(name, () => {
    const { exec } = service(`ExecStart=/bin/web\n${body}`);
    assert.deepEqual([exec.standardInput, exec.standardOutput, exec.standardError], [stdin, stdout, stderr]);
  });
}

test("service: kill settings", () => {
  const s = service("ExecStart=/bin/web\nKillMode=mixed\nKillSignal=SIGINT\nFinalKillSignal=QUIT\nSendSIGKILL=no\nSendSIGHUP=yes");
  assert.equal(s.kill.killMode, "mixed");
  assert.equal(s.kill.killSignal, SIGINT);
  assert.equal(s.kill.restartKillSignal, SIGINT, "unset RestartKillSignal= follows KillSignal=");
  assert.equal(s.kill.finalKillSignal, constants.signals.SIGQUIT);
  assert.equal(s.kill.sendSigkill, false);
  assert.equal(s.kill.sendSighup, true);
});

test("service: booleans accept systemd's spellings", () => {
  for (const yes of ["1", "yes", "y", "true", "t", "on", "YES", "On"]) {
    assert.equal(service(`ExecStart=/bin/web\nRemainAfterExit=${yes}`).remainAfterExit, true, yes);
  }
  for (const no of ["0", "no", "n", "false", "f", "off"]) {
    assert.equal(service(`ExecStart=/bin/web\nGuessMainPID=${no}`).guessMainPid, false, no);
  }
});

test("service: PIDFile= below /var/run/ moves to /run/ with a warning", () => {
  const built = build("web.service", "[Service]\nType=forking\nExecStart=/bin/web\nPIDFile=/var/run/web.pid\n");
  assert.deepEqual(built.errors, []);
  assert.equal((built.model as ServiceUnitModel).service.pidFile, "/run/web.pid");
  assert.match(built.warnings[0]?.message ?? "", /legacy directory \/var\/run/);
});

test("service: Sockets= names socket units", () => {
  assert.deepEqual(service("ExecStart=/bin/web\nSockets=a.socket b.socket\nSockets=a.socket").sockets, ["a.socket", "b.socket"]);
});

test("service: StartLimit*= written in [Service] (old spelling) set the [Unit] values", () => {
  const { unit } = serviceModel("[Service]\nExecStart=/bin/web\nStartLimitInterval=30\nStartLimitBurst=2\n");
  assert.equal(unit.startLimitIntervalUsec, 30_000_000);
  assert.equal(unit.startLimitBurst, 2);
});

test("service: an instance expands its specifiers in Exec*= and Environment=", () => {
  const built = build("web@8080.service", "[Service]\nExecStart=/bin/web --port=%i --name %N\nEnvironment=UNIT=%n\n");
  assert.deepEqual(built.errors, []);
  const s = (built.model as ServiceUnitModel).service;
  assert.deepEqual(s.commands.ExecStart[0]?.argv, ["/bin/web", "--port=8080", "--name", "web@8080"]);
  assert.equal(s.exec.environment.get("UNIT"), "web@8080.service");
});

const invalidRows: [name: string, body: string, line: number, key: string, message: RegExp][] = [
  ["invalid: an unknown Type=", "Type=bogus\nExecStart=/bin/a", 2, "Type", /Invalid Type= value 'bogus'/],
  ["invalid: Type=dbus is not supported", "Type=dbus\nExecStart=/bin/a", 2, "Type", /dbus/],
  ["invalid: a bad boolean", "ExecStart=/bin/a\nRemainAfterExit=maybe", 3, "RemainAfterExit", /boolean/],
  ["invalid: a bad time span", "ExecStart=/bin/a\nRestartSec=soon", 3, "RestartSec", /time span/],
  ["invalid: a bad signal", "ExecStart=/bin/a\nKillSignal=SIGFOO", 3, "KillSignal", /signal/],
  ["invalid: a bad exit status", "ExecStart=/bin/a\nSuccessExitStatus=300", 3, "SuccessExitStatus", /300/],
  ["invalid: a bad environment assignment", "ExecStart=/bin/a\nEnvironment=1A=x", 3, "Environment", /Invalid environment assignment/],
  ["invalid: a relative EnvironmentFile=", "ExecStart=/bin/a\nEnvironmentFile=web.env", 3, "EnvironmentFile", /not absolute/],
  ["invalid: a relative WorkingDirectory=", "ExecStart=/bin/a\nWorkingDirectory=srv", 3, "WorkingDirectory", /not absolute/],
  ["invalid: a user name with a colon", "ExecStart=/bin/a\nUser=a:b", 3, "User", /user\/group name/],
  ["invalid: a bad limit", "ExecStart=/bin/a\nLimitNOFILE=lots", 3, "LimitNOFILE", /resource value/],
  ["invalid: a bad output", "ExecStart=/bin/a\nStandardOutput=printer", 3, "StandardOutput", /output specifier/],
  ["invalid: an unclosed quote in ExecStart=", 'ExecStart=/bin/a "b', 2, "ExecStart", /Unbalanced quoting/],
  ["invalid: an unknown specifier", "ExecStart=/bin/a %Z", 2, "ExecStart", /%Z/],
  ["invalid: Sockets= naming a service", "ExecStart=/bin/a\nSockets=web.service", 3, "Sockets", /socket units/],
  ["invalid: a bad UMask=", "ExecStart=/bin/a\nUMask=999", 3, "UMask", /octal/],
];

for (const [name, body, line, key, message] of invalidRows) {
  test(name, () => {
    const [first] = errorsOf(body);
    assert.ok(first !== undefined, "expected an error");
    assert.equal(first.file, "/units/web.service");
    assert.equal(first.line, line);
    assert.equal(first.key, key);
    assert.match(first.message, message);
  });
}

const refusedRows: [name: string, body: string, key: string, line: number | null, message: RegExp][] = [
  ["refused: two ExecStart= for Type=simple", "ExecStart=/bin/a\nExecStart=/bin/b", "ExecStart", 3, /more than one ExecStart=/],
  ["refused: ExecStart= with ; for Type=simple", "ExecStart=/bin/a ; /bin/b", "ExecStart", 2, /more than one ExecStart=/],
  ["refused: no ExecStart= for Type=simple", "Type=simple\nExecStop=/bin/b", "Type", 2, /only allowed for Type=oneshot/],
  ["refused: no command at all", "Type=oneshot", "ExecStart", null, /no ExecStart= and no ExecStop=/],
  ["refused: oneshot without ExecStart= needs RemainAfterExit=yes", "Type=oneshot\nExecStop=/bin/b", "ExecStart", null, /RemainAfterExit=yes/],
  ["refused: oneshot with Restart=always", "Type=oneshot\nExecStart=/bin/a\nRestart=always", "Restart", 4, /not allowed for Type=oneshot/],
  ["refused: oneshot with ExitType=cgroup", "Type=oneshot\nExecStart=/bin/a\nExitType=cgroup", "ExitType", 4, /ExitType=cgroup/],
];

for (const [name, body, key, line, message] of refusedRows) {
  test(name, () => {
    const [first] = errorsOf(body);
    assert.ok(first !== undefined, "expected an error");
    assert.equal(first.key, key);
    assert.equal(first.line, line);
    assert.equal(first.file, "/units/web.service");
    assert.match(first.message, message);
  });
}

test("service: oneshot may have several ExecStart= commands", () => {
  assert.equal(service("Type=oneshot\nExecStart=/bin/a\nExecStart=/bin/b").commands.ExecStart.length, 2);
});

test("warnings: unknown keys and sections name file and line; X- ones are silent", () => {
  const built = build(
    "web.service",
    "[Unit]\nX-Custom=1\nFrobnicate=yes\n[Service]\nExecStart=/bin/web\nPrivateTmp=yes\nX-Mine=2\n[X-Tool]\nanything=1\n[Timer]\nOnCalendar=daily\n",
  );
  assert.deepEqual(built.errors, []);
  assert.deepEqual(built.warnings, [
    { file: "/units/web.service", line: 3, message: "Unknown key 'Frobnicate' in section [Unit], ignoring" },
    { file: "/units/web.service", line: 6, message: "PrivateTmp= in [Service] is not supported by steward, ignoring" },
    { file: "/units/web.service", line: 10, message: "Unknown section 'Timer', ignoring" },
  ]);
});

test("warnings: Type=idle is treated as simple", () => {
  const built = build("web.service", "[Service]\nType=idle\nExecStart=/bin/web\n");
  assert.equal((built.model as ServiceUnitModel).service.type, "simple");
  assert.match(built.warnings[0]?.message ?? "", /Type=idle/);
});

test("invalid: a bad setting does not stop the rest of the unit from being read", () => {
  const built = build("web.service", "[Unit]\nDescription=Web\n[Service]\nRestart=sometimes\nExecStart=/bin/web\n");
  assert.equal(built.errors.length, 1);
  assert.equal(built.model.unit.description, "Web");
  assert.equal((built.model as ServiceUnitModel).service.restart, "no");
});

test("invalid: a syntax error in a file is reported as such", () => {
  const built = build("web.service", "[Service\nExecStart=/bin/web\n");
  assert.equal(built.syntaxError?.line, 1);
  assert.match(built.errors[0]?.message ?? "", /Invalid section header/);
});

test("service: FileDescriptorStorePreserve= takes restart or a boolean", () => {
  assert.equal(service("ExecStart=/bin/web\nFileDescriptorStorePreserve=yes").fileDescriptorStorePreserve, "yes");
  assert.equal(service("ExecStart=/bin/web\nFileDescriptorStorePreserve=off").fileDescriptorStorePreserve, "no");
  assert.equal(service("ExecStart=/bin/web\nFileDescriptorStorePreserve=no\nFileDescriptorStorePreserve=restart").fileDescriptorStorePreserve, "restart");
  assert.equal(errorsOf("ExecStart=/bin/web\nFileDescriptorStorePreserve=sometimes")[0]?.key, "FileDescriptorStorePreserve");
});

test("service: OOMPolicy= is recorded", () => {
  assert.equal(service("ExecStart=/bin/web\nOOMPolicy=kill").oomPolicy, "kill");
});
