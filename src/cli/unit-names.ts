// Unit names as people type them: "web" means "web.service"; output always shows the whole name.

const UNIT_SUFFIXES = [".service", ".socket"];

export function wholeUnitName(name: string): string {
  return UNIT_SUFFIXES.some((suffix) => name.endsWith(suffix)) ? name : `${name}.service`;
}
