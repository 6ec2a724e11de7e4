// Exit statuses: systemd's names for them (exit-status.c), the value syntax of
// SuccessExitStatus=/RestartPreventExitStatus=/RestartForceExitStatus=, and how
// a process end reads to a person or a shell.

import { parseDecimalInRange } from "./decimal.js";
import { printable } from "./printable.js";
import { parseSignal, signalName } from "./signals.js";

export type ExitStatusClass = "libc" | "LSB" | "BSD" | "systemd";

// Names as systemd prints them ("status=203/EXEC"), without the C "EXIT_" prefix.
const EXIT_STATUS_NAMES: ReadonlyMap<number, readonly [string, ExitStatusClass]> = new Map([
  [0, ["SUCCESS", "libc"]],
  [1, ["FAILURE", "libc"]],
  [2, ["INVALIDARGUMENT", "LSB"]],
  [3, ["NOTIMPLEMENTED", "LSB"]],
  [4, ["NOPERMISSION", "LSB"]],
  [5, ["NOTINSTALLED", "LSB"]],
  [6, ["NOTCONFIGURED", "LSB"]],
  [7, ["NOTRUNNING", "LSB"]],
  [64, ["USAGE", "BSD"]],
  [65, ["DATAERR", "BSD"]],
  [66, ["NOINPUT", "BSD"]],
  [67, ["NOUSER", "BSD"]],
  [68, ["NOHOST", "BSD"]],
  [69, ["UNAVAILABLE", "BSD"]],
  [70, ["SOFTWARE", "BSD"]],
  [71, ["OSERR", "BSD"]],
  [72, ["OSFILE", "BSD"]],
  [73, ["CANTCREAT", "BSD"]],
  [74, ["IOERR", "BSD"]],
  [75, ["TEMPFAIL", "BSD"]],
  [76, ["PROTOCOL", "BSD"]],
  [77, ["NOPERM", "BSD"]],
  [78, ["CONFIG", "BSD"]],
  [200, ["CHDIR", "systemd"]],
  [201, ["NICE", "systemd"]],
  [202, ["FDS", "systemd"]],
  [203, ["EXEC", "systemd"]],
  [204, ["MEMORY", "systemd"]],
  [205, ["LIMITS", "systemd"]],
  [206, ["OOM_ADJUST", "systemd"]],
  [207, ["SIGNAL_MASK", "systemd"]],
  [208, ["STDIN", "systemd"]],
  [209, ["STDOUT", "systemd"]],
  [210, ["CHROOT", "systemd"]],
  [211, ["IOPRIO", "systemd"]],
  [212, ["TIMERSLACK", "systemd"]],
  [213, ["SECUREBITS", "systemd"]],
  [214, ["SETSCHEDULER", "systemd"]],
  [215, ["CPUAFFINITY", "systemd"]],
  [216, ["GROUP", "systemd"]],
  [217, ["USER", "systemd"]],
  [218, ["CAPABILITIES", "systemd"]],
  [219, ["CGROUP", "systemd"]],
  [220, ["SETSID", "systemd"]],
  [221, ["CONFIRM", "systemd"]],
  [222, ["STDERR", "systemd"]],
  // 223 was tcpwrap, 234 kdbus: retired, never reused.
  [224, ["PAM", "systemd"]],
  [225, ["NETWORK", "systemd"]],
  [226, ["NAMESPACE", "systemd"]],
  [227, ["NO_NEW_PRIVILEGES", "systemd"]],
  [228, ["SECCOMP", "systemd"]],
  [229, ["SELINUX_CONTEXT", "systemd"]],
  [230, ["PERSONALITY", "systemd"]],
  [231, ["APPARMOR", "systemd"]],
  [232, ["ADDRESS_FAMILIES", "systemd"]],
  [233, ["RUNTIME_DIRECTORY", "systemd"]],
  [235, ["CHOWN", "systemd"]],
  [236, ["SMACK_PROCESS_LABEL", "systemd"]],
  [237, ["KEYRING", "systemd"]],
  [238, ["STATE_DIRECTORY", "systemd"]],
  [239, ["CACHE_DIRECTORY", "systemd"]],
  [240, ["LOGS_DIRECTORY", "systemd"]],
  [241, ["CONFIGURATION_DIRECTORY", "systemd"]],
  [242, ["NUMA_POLICY", "systemd"]],
  [243, ["CREDENTIALS", "systemd"]],
  [244, ["BPF", "systemd"]],
  [245, ["KSM", "systemd"]],
  [246, ["LANDLOCK_CONFIG", "systemd"]],
  [255, ["EXCEPTION", "systemd"]],
]);

const codeByName = new Map([...EXIT_STATUS_NAMES].map(([code, [name]]) => [name, code]));

/** systemd's name for an exit status ("EXEC" for 203, "TEMPFAIL" for 75), or null. */
export function exitStatusName(code: number): string | null {
  return EXIT_STATUS_NAMES.get(code)?.[0] ?? null;
}

/** Which convention a named exit status comes from, or null. */
export function exitStatusClass(code: number): ExitStatusClass | null {
  return EXIT_STATUS_NAMES.get(code)?.[1] ?? null;
}

export type ExitStatusSet = { codes: number[]; signals: number[] };

/**
 * The value of SuccessExitStatus= and friends: blank-separated exit statuses
 * (0..255 or a name such as "TEMPFAIL") and signals ("SIGKILL", "KILL",
 * "RTMIN+1"). A number is an exit status, never a signal. An empty value gives
 * empty lists (the caller treats that as "reset"). Where systemd would skip an
 * unknown word with a warning, we refuse the whole value and name the words.
 */
export function parseExitStatusSet(text: string): ExitStatusSet | { error: string } {
  const codes = new Set<number>();
  const signals = new Set<number>();
  const unknown: string[] = [];
  for (const word of text.split(/[ \t\n\r]+/)) {
    if (word === "") continue;
    const code = codeByName.get(word) ?? parseDecimalInRange(word, 0, 255);
    if (code !== null) {
      codes.add(code);
      continue;
    }
    const signal = parseSignal(word);
    if (signal !== null) signals.add(signal);
    else unknown.push(`"${printable(word)}"`);
  }
  if (unknown.length > 0) {
    return { error: `not an exit status (0-255 or a name) or a signal: ${unknown.join(", ")}` };
  }
  const ascending = (a: number, b: number): number => a - b;
  return { codes: [...codes].sort(ascending), signals: [...signals].sort(ascending) };
}

export type ProcessEnd =
  | { kind: "exited"; code: number }
  | { kind: "killed"; signal: number; coreDumped: boolean };

/** "exited with 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)". */
export function describeProcessEnd(end: ProcessEnd): string {
  switch (end.kind) {
    case "exited":
      return `exited with ${end.code}`;
    case "killed":
      return `killed by ${signalName(end.signal)}${end.coreDumped ? " (core dumped)" : ""}`;
  }
}

/** The status a shell (or tini) reports: the exit code, or 128 + the signal. */
export function shellExitCode(end: ProcessEnd): number {
  switch (end.kind) {
    case "exited":
      return end.code;
    case "killed":
      return 128 + end.signal;
  }
}

/** Whether an end is listed in a set (a core dump counts as its signal). */
export function exitStatusSetHas(set: ExitStatusSet, end: ProcessEnd): boolean {
  return end.kind === "exited" ? set.codes.includes(end.code) : set.signals.includes(end.signal);
}
