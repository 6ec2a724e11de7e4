// Colour for people, plain text for pipes: styled only when the stream is a
// terminal and NO_COLOR is not set.
import { styleText } from "node:util";

type Format = Parameters<typeof styleText>[0];

export function styler(stream: NodeJS.WriteStream): (format: Format, text: string) => string {
  const colour = stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  return (format, text) => (colour ? styleText(format, text) : text);
}

/** Pads every column to its widest cell; the last column is not padded. */
export function alignColumns(rows: readonly (readonly string[])[], visibleLength = (s: string) => s.length): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell)))).join("  ").trimEnd(),
  );
}

/** The length of a string as a terminal shows it (ANSI colour codes take no room). */
export function visibleLength(text: string): number {
   
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}
