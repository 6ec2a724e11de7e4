// The contents of an EnvironmentFile= (systemd.exec(5)): KEY=VALUE lines,
// "#" and ";" comments, single- or double-quoted values, a trailing backslash
// continuing the line. Lines that are not assignments are skipped with a warning.
import { isValidEnvironmentName } from "./exec-settings.js";

export interface EnvironmentFileParse {
  readonly assignments: readonly (readonly [string, string])[];
  readonly warnings: readonly { line: number; message: string }[];
}

/** Unquotes one value: '...' as is, "..." with \" \\ \$ \` and \<newline> escapes, bare with \x → x. */
function unquote(raw: string): string | null {
  let out = "";
  let kept = 0; // length of `out` up to its last quoted or escaped character: never trimmed
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw.charAt(i);
    if (quote === "'") {
      if (ch === "'") quote = null;
      else out += ch;
      kept = out.length;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === "\\" && i + 1 < raw.length && '"\\$`\n'.includes(raw.charAt(i + 1))) {
        i++;
        if (raw.charAt(i) !== "\n") out += raw.charAt(i);
      } else out += ch;
      kept = out.length;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === "\\" && i + 1 < raw.length) {
      i++;
      if (raw.charAt(i) !== "\n") out += raw.charAt(i);
      kept = out.length;
    } else {
      out += ch;
    }
  }
  if (quote !== null) return null;
  return out.slice(0, kept) + out.slice(kept).replace(/\s+$/, "");
}

export function parseEnvironmentFile(text: string): EnvironmentFileParse {
  const assignments: [string, string][] = [];
  const warnings: { line: number; message: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let line = lines[i] ?? "";
    // A backslash at the end joins the next line, inside quotes too.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + "\n" + (lines[++i] ?? "");
    const trimmed = line.replace(/^\s+/, "");
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    const eq = trimmed.indexOf("=");
    const key = eq < 0 ? trimmed : trimmed.slice(0, eq).trim();
    if (eq < 0 || !isValidEnvironmentName(key)) {
      warnings.push({ line: startLine, message: `not a VARIABLE=VALUE assignment: ${JSON.stringify(trimmed.slice(0, 60))}` });
      continue;
    }
    const value = unquote(trimmed.slice(eq + 1).replace(/^\s+/, ""));
    if (value === null) {
      warnings.push({ line: startLine, message: `${key}: unterminated quote` });
      continue;
    }
    assignments.push([key, value.replace(/\n/g, "")]);
  }
  return { assignments, warnings };
}
