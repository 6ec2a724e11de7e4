// Writing Exec*= lines that the parser reads back word for word: for unit files
// steward writes itself (steward run).

function escapeChar(ch: string): string {
  switch (ch) {
    case "\\":
      return "\\\\";
    case '"':
      return '\\"';
    case "\n":
      return "\\n";
    case "\t":
      return "\\t";
    case "\r":
      return "\\r";
    case "$":
      return "$$"; // no environment expansion
    case "%":
      return "%%"; // no specifier
    default: {
      const code = ch.charCodeAt(0);
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : ch;
    }
  }
}

/** One word, double-quoted, with every character the parser would act on escaped. */
export function execWord(word: string): string {
  if (word === ";") return "\\;"; // a lone ";" separates commands
  return `"${Array.from(word, escapeChar).join("")}"`;
}

export function execLine(argv: readonly string[]): string {
  return argv.map(execWord).join(" ");
}

/** A plain value (a path, a description): only specifiers need escaping there. */
export function plainValue(text: string): string {
  return text.replace(/%/g, "%%").replace(/\n/g, " ");
}
