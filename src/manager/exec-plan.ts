// From a unit's [Service] settings and one Exec*= command to a SpawnSpec:
// environment, credentials, working directory, limits, the fd layout. Every
// failure that systemd reports as a failed start with result "resources"
// comes back as a message naming the setting, never as a thrown error.
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SpawnSpec } from "../sys/index.js";
import type { ExecCommand } from "../units/exec-line.js";
import { EXEC_SEARCH_PATH, execArgv } from "../units/exec-line.js";
import type { ExecSettings } from "../units/exec-settings.js";
import { parseEnvironmentFile } from "../units/environment-file.js";
import { groupsOfUser, lookupGroup, lookupUser, type Account } from "./accounts.js";

export interface ExecRequest {
  unit: string;
  exec: ExecSettings;
  command: ExecCommand;
  /** Variables this start adds: NOTIFY_SOCKET, INVOCATION_ID, MAINPID, SERVICE_RESULT, LISTEN_FDS, ... */
  extraEnv: Readonly<Record<string, string>>;
  /** fds 0, 1, 2, then the passed fds (3...), as the child must see them. */
  fds: readonly number[];
  /** The manager's own environment, which services inherit (see docs/manager.md). */
  managerEnv: Readonly<Record<string, string | undefined>>;
  setListenPid: boolean;
  setWatchdogPid: boolean;
  /** How many of the passed fds (from 3 on) are socket activation's: NonBlocking= applies to those. */
  socketFdCount?: number;
  nonBlocking?: boolean;
  cgroup?: string;
}

export type ExecPlan =
  | { ok: true; spec: SpawnSpec; warnings: string[] }
  | { ok: false; result: "resources" | "exit-code"; message: string };

/** Variables that describe steward's own supervisor, never a service's. */
const NOT_INHERITED = new Set([
  "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PIDFDID", "WATCHDOG_PID", "WATCHDOG_USEC",
  "INVOCATION_ID", "MAINPID", "STEWARD_RUNTIME_DIR", "STEWARD_UNITS", "JOURNAL_STREAM",
]);

const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function fail(message: string): ExecPlan {
  return { ok: false, result: "resources", message };
}

function resolveProgram(command: ExecCommand): string | null {
  if (!command.searchesPath) return command.path;
  // Looked up at every start, never cached: a release directory behind a symlink may move.
  for (const dir of EXEC_SEARCH_PATH) {
    const candidate = join(dir, command.path);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

interface Credentials {
  account: Account | null;
  uid?: number;
  gid?: number;
  groups?: number[];
}

function credentials(unit: string, exec: ExecSettings, command: ExecCommand): Credentials | { error: string } {
  const ownUid = process.getuid?.() ?? 0;
  const applies = command.privileges !== "full" && command.privileges !== "no-setuid";
  const account = exec.user ? lookupUser(exec.user) : null;
  if (exec.user && !account) return { error: `${unit}: User=${exec.user}: no such user` };
  if (!applies || (!exec.user && !exec.group && exec.supplementaryGroups.length === 0)) return { account };
  const group = exec.group ? lookupGroup(exec.group) : null;
  if (exec.group && !group) return { error: `${unit}: Group=${exec.group}: no such group` };
  const extra: number[] = [];
  for (const name of exec.supplementaryGroups) {
    const g = lookupGroup(name);
    if (!g) return { error: `${unit}: SupplementaryGroups=${name}: no such group` };
    extra.push(g.gid);
  }
  const uid = account?.uid;
  const gid = group?.gid ?? account?.gid;
  if (ownUid !== 0) {
    // Without CAP_SETUID only our own identity can be kept; say so instead of failing in the child.
    const ownGid = process.getgid?.() ?? 0;
    if ((uid !== undefined && uid !== ownUid) || (gid !== undefined && gid !== ownGid) || extra.length > 0) {
      return {
        error: `${unit}: User=/Group=/SupplementaryGroups= cannot be honoured: steward runs as uid ${ownUid} without the privilege to switch users`,
      };
    }
    return { account };
  }
  const groups = account ? groupsOfUser(account) : gid !== undefined ? [gid] : [];
  return { account, uid, gid, groups: [...new Set([...groups, ...extra])] };
}

function environment(request: ExecRequest, account: Account | null): { env: Record<string, string>; warnings: string[] } | { error: string } {
  const { exec, unit } = request;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.managerEnv)) {
    if (value !== undefined && !NOT_INHERITED.has(key)) env[key] = value;
  }
  env.PATH ??= FALLBACK_PATH;
  if (account) {
    env.USER = account.name;
    env.LOGNAME = account.name;
    env.HOME = account.home;
    env.SHELL = account.shell;
  }
  for (const name of exec.passEnvironment) {
    const value = request.managerEnv[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [key, value] of exec.environment) env[key] = value;
  const warnings: string[] = [];
  for (const file of exec.environmentFiles) {
    let text: string;
    try {
      text = readFileSync(file.path, "utf8");
    } catch (error) {
      if (file.optional) continue;
      return { error: `${unit}: EnvironmentFile=${file.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
    }
    const parsed = parseEnvironmentFile(text);
    for (const w of parsed.warnings) warnings.push(`${file.path}:${w.line}: ${w.message}`);
    for (const [key, value] of parsed.assignments) env[key] = value;
  }
  for (const entry of exec.unsetEnvironment) {
    const eq = entry.indexOf("=");
    if (eq < 0) delete env[entry];
    else if (env[entry.slice(0, eq)] === entry.slice(eq + 1)) delete env[entry.slice(0, eq)];
  }
  Object.assign(env, request.extraEnv);
  return { env, warnings };
}

function workingDirectory(unit: string, exec: ExecSettings, account: Account | null): string | null | { error: string } {
  const wd = exec.workingDirectory;
  if (!wd) return null;
  const path = wd.kind === "home" ? (account?.home ?? process.env.HOME ?? "/") : wd.path;
  if (existsSync(path)) return path;
  if (wd.missingOk) return null;
  return { error: `${unit}: WorkingDirectory=${path}: no such directory` };
}

function limits(exec: ExecSettings): SpawnSpec["limits"] {
  const out: Record<string, { soft: number | null; hard: number | null }> = {};
  for (const [name, limit] of Object.entries(exec.limits)) {
    if (!limit) continue;
    out[name] = { soft: Number.isFinite(limit.soft) ? limit.soft : null, hard: Number.isFinite(limit.hard) ? limit.hard : null };
  }
  return out;
}

export function planExec(request: ExecRequest): ExecPlan {
  const { unit, exec, command } = request;
  const who = credentials(unit, exec, command);
  if ("error" in who) return fail(who.error);
  const env = environment(request, who.account);
  if ("error" in env) return fail(env.error);
  const cwd = workingDirectory(unit, exec, who.account);
  if (cwd !== null && typeof cwd === "object") return fail(cwd.error);
  const file = resolveProgram(command);
  if (file === null) {
    return { ok: false, result: "exit-code", message: `${unit}: ${command.path}: not found in ${EXEC_SEARCH_PATH.join(":")}` };
  }
  const expanded = execArgv(command, env.env);
  const warnings = [...env.warnings];
  if (expanded.unsetVariables.length > 0) {
    warnings.push(`${unit}: ${command.path}: referenced but unset: ${expanded.unsetVariables.join(", ")}`);
  }
  const spec: SpawnSpec = {
    file,
    argv: expanded.argv,
    env: env.env,
    fds: request.fds,
    cwd: cwd ?? undefined,
    detach: "session",
    uid: who.uid,
    gid: who.gid,
    groups: who.groups,
    umask: exec.umask,
    limits: limits(exec),
    setListenPid: request.setListenPid,
    setWatchdogPid: request.setWatchdogPid,
    cgroup: request.cgroup,
  };
  const sockets = request.socketFdCount ?? 0;
  // systemd's flag_fds(): every socket fd in NonBlocking='s mode; stored fds as they were stored.
  if (sockets > 0) spec.nonBlocking = { fds: Array.from({ length: sockets }, (_, i) => 3 + i), on: request.nonBlocking ?? false };
  return { ok: true, spec, warnings };
}
