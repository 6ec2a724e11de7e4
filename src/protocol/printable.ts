// Values quoted in warnings come from other processes: keep them one short line.

const SHOWN_MAX = 64;

/** The text with control characters as \xNN, cut to 64 characters with "…". */
export function printable(text: string): string {
  const cut = text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX)}…` : text;
  return cut.replace(/[\x00-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
