// The host facts that specifiers expand to, read once from the running system. Like the loader,
// this reads files; everything it returns is plain data for the pure specifier code.
import { readFileSync } from "node:fs";
import { hostname, release, userInfo } from "node:os";
import type { SpecifierHost } from "./specifiers.js";

function readTrimmed(path: string): string | undefined {
  try {
    const text = readFileSync(path, "utf8").trim();
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

// os-release(5): KEY=value lines, values optionally quoted.
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, key = "", raw = ""] = match;
    fields[key] = raw.replace(/^(["'])(.*)\1$/, "$2");
  }
  return fields;
}

// systemd's architecture names (%a) for Node's process.arch values.
const ARCHITECTURES: Readonly<Record<string, string>> = {
  x64: "x86-64",
  ia32: "x86",
  arm64: "arm64",
  arm: "arm",
  ppc64: "ppc64-le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loongarch64",
  mips: "mips",
  mipsel: "mips-le",
};

/**
 * Facts for the user steward runs as. As in systemd, root gets the system directories
 * (/run, /var/lib, ...) and any other user the XDG ones.
 */
export function readSpecifierHost(env: NodeJS.ProcessEnv = process.env): SpecifierHost {
  const user = userInfo();
  const home = env.HOME ?? user.homedir;
  const system = user.uid === 0;
  const xdg = (variable: string, fallback: string): string => env[variable] ?? `${home}/${fallback}`;
  const osReleaseText = readTrimmed("/etc/os-release") ?? readTrimmed("/usr/lib/os-release");
  const groupName = readTrimmed("/etc/group")
    ?.split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[2] === String(user.gid))?.[0];
  return {
    runtimeRoot: system ? "/run" : (env.XDG_RUNTIME_DIR ?? `/run/user/${user.uid}`),
    stateRoot: system ? "/var/lib" : xdg("XDG_STATE_HOME", ".local/state"),
    cacheRoot: system ? "/var/cache" : xdg("XDG_CACHE_HOME", ".cache"),
    logsRoot: system ? "/var/log" : `${xdg("XDG_STATE_HOME", ".local/state")}/log`,
    configRoot: system ? "/etc" : xdg("XDG_CONFIG_HOME", ".config"),
    dataRoot: system ? "/usr/share" : xdg("XDG_DATA_HOME", ".local/share"),
    home,
    shell: user.shell ?? undefined,
    userName: user.username,
    uid: user.uid,
    groupName,
    gid: user.gid,
    hostname: hostname(),
    machineId: readTrimmed("/etc/machine-id"),
    bootId: readTrimmed("/proc/sys/kernel/random/boot_id")?.replaceAll("-", ""),
    kernelRelease: release(),
    architecture: ARCHITECTURES[process.arch],
    osRelease: osReleaseText === undefined ? undefined : parseOsRelease(osReleaseText),
    tmpDir: env.TMPDIR ?? "/tmp",
    varTmpDir: env.TMPDIR ?? "/var/tmp",
  };
}
