// Unit names (systemd.unit(5) "Description"): "prefix[@instance].type", templates "prefix@.type",
// and the escaping that turns arbitrary strings and paths into name parts (systemd-escape(1)).

/** Every type systemd knows, so that dependencies on units steward does not run (network.target) still parse. */
export const UNIT_TYPES = [
  "service",
  "socket",
  "target",
  "device",
  "mount",
  "automount",
  "swap",
  "timer",
  "path",
  "slice",
  "scope",
] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

/** systemd's UNIT_NAME_MAX: names must be shorter than this. */
export const UNIT_NAME_MAX = 256;

export type UnitNameForm = "plain" | "template" | "instance";

export interface UnitName {
  readonly name: string;
  /** Everything before the first "@" (or before the suffix). */
  readonly prefix: string;
  /** Between the first "@" and the suffix; "" for a template, null for a plain name. */
  readonly instance: string | null;
  readonly type: UnitType;
  readonly form: UnitNameForm;
}

// Allowed in a prefix; "@" is allowed in an instance as well.
const PREFIX_CHARS = /^[0-9A-Za-z:_.\\-]+$/;
const INSTANCE_CHARS = /^[0-9A-Za-z:_.\\@-]+$/;
const NAME_CHARS = /^[0-9A-Za-z:_.\\@-]+$/;

export function isUnitType(text: string): text is UnitType {
  return (UNIT_TYPES as readonly string[]).includes(text);
}

export function parseUnitName(name: string): UnitName | null {
  if (name.length === 0 || name.length >= UNIT_NAME_MAX) return null;
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return null;
  const type = name.slice(dot + 1);
  if (!isUnitType(type)) return null;
  const stem = name.slice(0, dot);
  if (!NAME_CHARS.test(stem)) return null;
  const at = stem.indexOf("@");
  if (at === 0) return null;
  if (at < 0) return { name, prefix: stem, instance: null, type, form: "plain" };
  const instance = stem.slice(at + 1);
  return { name, prefix: stem.slice(0, at), instance, type, form: instance === "" ? "template" : "instance" };
}

export function isValidUnitName(name: string, forms: readonly UnitNameForm[] = ["plain", "template", "instance"]): boolean {
  const parsed = parseUnitName(name);
  return parsed !== null && forms.includes(parsed.form);
}

export function isValidUnitPrefix(prefix: string): boolean {
  return PREFIX_CHARS.test(prefix);
}

export function isValidUnitInstance(instance: string): boolean {
  return INSTANCE_CHARS.test(instance);
}

/** As systemctl does for names on the command line: "web" → "web.service"; a name with a known suffix stays. */
export function withSuffix(name: string, type: UnitType = "service"): string {
  const dot = name.lastIndexOf(".");
  if (dot > 0 && isUnitType(name.slice(dot + 1))) return name;
  return `${name}.${type}`;
}

/** "web@8080.service" and "web@.service" → "web@.service"; null for a plain or invalid name. */
export function templateOf(name: string): string | null {
  const parsed = parseUnitName(name);
  if (parsed === null || parsed.form === "plain") return null;
  return `${parsed.prefix}@.${parsed.type}`;
}

/** "web@.service" + "8080" → "web@8080.service"; null when the template or the instance is not valid. */
export function instanceOf(template: string, instance: string): string | null {
  const parsed = parseUnitName(template);
  if (parsed === null || parsed.form === "plain" || !isValidUnitInstance(instance)) return null;
  const name = `${parsed.prefix}@${instance}.${parsed.type}`;
  return isValidUnitName(name, ["instance"]) ? name : null;
}

/** "web.socket" → "web.service"; keeps an instance or template part. */
export function changeUnitType(name: string, type: UnitType): string | null {
  const parsed = parseUnitName(name);
  if (parsed === null) return null;
  const stem = name.slice(0, name.length - parsed.type.length - 1);
  const changed = `${stem}.${type}`;
  return parseUnitName(changed) === null ? null : changed;
}

/** "prefix@instance" without the suffix (the %N specifier). */
export function nameWithoutSuffix(name: UnitName): string {
  return name.name.slice(0, name.name.length - name.type.length - 1);
}

function hexByte(byte: number): string {
  return "\\x" + byte.toString(16).padStart(2, "0");
}

/** systemd-escape: "/" → "-", and "-", "\", a leading "." and anything outside [0-9A-Za-z:_.] → \xNN per UTF-8 byte. */
export function escapeUnitNamePart(text: string): string {
  let escaped = "";
  let first = true;
  for (const ch of text) {
    if (ch === "/") escaped += "-";
    else if ((first && ch === ".") || !/^[0-9A-Za-z:_.]$/.test(ch)) {
      for (const byte of Buffer.from(ch, "utf8")) escaped += hexByte(byte);
    } else escaped += ch;
    first = false;
  }
  return escaped;
}

/** systemd-escape --unescape: "-" → "/", \xNN → that byte; any other backslash makes it invalid (null). */
export function unescapeUnitNamePart(text: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === "-") bytes.push(0x2f);
    else if (ch === "\\") {
      const hex = text.slice(i + 2, i + 4);
      if (text.charAt(i + 1) !== "x" || !/^[0-9a-fA-F]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else bytes.push(...Buffer.from(ch, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** systemd-escape --path: "/" → "-", "/var/lib/x" → "var-lib-x"; null for a path with ".." in it. */
export function escapeUnitNamePath(path: string): string | null {
  const components = path.split("/").filter((part) => part !== "" && part !== ".");
  if (components.includes("..")) return null;
  if (components.length === 0) return "-";
  return escapeUnitNamePart(components.join("/"));
}

/** systemd-escape --unescape --path: "-" → "/", "var-lib-x" → "/var/lib/x"; null when not a normalized path. */
export function unescapeUnitNamePath(text: string): string | null {
  if (text === "") return null;
  if (text === "-") return "/";
  const unescaped = unescapeUnitNamePart(text);
  if (unescaped === null || unescaped.startsWith("/") || unescaped.endsWith("/")) return null;
  const components = unescaped.split("/");
  if (components.some((part) => part === "" || part === "." || part === "..")) return null;
  return "/" + unescaped;
}
