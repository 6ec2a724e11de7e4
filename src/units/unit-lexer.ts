// systemd.syntax(7) lexer: sections, Key=Value entries, comments and line continuation.
// It knows nothing about which sections or keys exist; that is the models' business.

export interface UnitEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line where the entry starts (systemd reports the last line of a continued entry). */
  readonly line: number;
}

export interface UnitFileSection {
  readonly name: string;
  readonly line: number;
  readonly entries: readonly UnitEntry[];
}

export interface LexProblem {
  readonly line: number;
  /** "error" makes the whole file unusable (systemd refuses to load it); "warning" skips one line. */
  readonly severity: "warning" | "error";
  readonly message: string;
}

export interface UnitFileSyntax {
  readonly sections: readonly UnitFileSection[];
  readonly problems: readonly LexProblem[];
}

const WHITESPACE = " \t\n\r";
const COMMENT_STARTS = "#;";
const BYTE_ORDER_MARK = "\uFEFF";

function isWhitespace(ch: string): boolean {
  return WHITESPACE.includes(ch);
}

function stripWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isWhitespace(text.charAt(start))) start++;
  while (end > start && isWhitespace(text.charAt(end - 1))) end--;
  return text.slice(start, end);
}

function isCommentLine(line: string): boolean {
  for (const ch of line) {
    if (isWhitespace(ch)) continue;
    return COMMENT_STARTS.includes(ch);
  }
  return false;
}

// A line continues when it ends in an odd number of backslashes (the last one is not escaped).
function endsInContinuation(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line.charAt(i) === "\\"; i--) count++;
  return count % 2 === 1;
}

interface LogicalLine {
  readonly text: string;
  readonly line: number;
}

// Joins continued lines. systemd skips comment lines even in the middle of a continuation,
// and replaces the continuing backslash by a space.
function logicalLines(text: string): LogicalLine[] {
  const physical = text.split(/\r\n|\r|\n/);
  if (physical.length > 0 && physical[physical.length - 1] === "") physical.pop();
  const result: LogicalLine[] = [];
  let pending: LogicalLine | null = null;
  physical.forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = index === 0 && raw.startsWith(BYTE_ORDER_MARK) ? raw.slice(BYTE_ORDER_MARK.length) : raw;
    if (isCommentLine(line)) return;
    const joined: LogicalLine = pending === null ? { text: line, line: lineNumber } : { text: pending.text + line, line: pending.line };
    if (endsInContinuation(joined.text)) {
      pending = { text: joined.text.slice(0, -1) + " ", line: joined.line };
      return;
    }
    pending = null;
    result.push(joined);
  });
  if (pending !== null) result.push(pending);
  return result;
}

interface OpenSection {
  name: string;
  line: number;
  entries: UnitEntry[];
}

export function lexUnitFile(text: string): UnitFileSyntax {
  const sections: OpenSection[] = [];
  const problems: LexProblem[] = [];
  let current: OpenSection | null = null;

  for (const { text: raw, line } of logicalLines(text)) {
    const content = stripWhitespace(raw);
    if (content === "") continue;
    if (content.startsWith("[")) {
      if (!content.endsWith("]")) {
        // systemd gives up on the whole file here.
        problems.push({ line, severity: "error", message: `Invalid section header '${content}'` });
        break;
      }
      current = { name: content.slice(1, -1), line, entries: [] };
      sections.push(current);
      continue;
    }
    if (current === null) {
      problems.push({ line, severity: "warning", message: "Assignment outside of section, ignoring" });
      continue;
    }
    const equals = content.indexOf("=");
    if (equals < 0) {
      problems.push({ line, severity: "warning", message: "Missing '=', ignoring line" });
      continue;
    }
    if (equals === 0) {
      problems.push({ line, severity: "warning", message: "Missing key name before '=', ignoring line" });
      continue;
    }
    current.entries.push({
      key: stripWhitespace(content.slice(0, equals)),
      value: stripWhitespace(content.slice(equals + 1)),
      line,
    });
  }
  return { sections, problems };
}
