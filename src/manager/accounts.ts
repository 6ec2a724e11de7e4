// Users and groups for User=, Group=, SupplementaryGroups= and %u/%h, read from
// /etc/passwd and /etc/group (Node has no getpwnam). Read on every start, so an
// account added while steward runs is found.
import { readFileSync } from "node:fs";

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
}

function readTable(path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((line) => line && !line.startsWith("#")).map((line) => line.split(":"));
}

const NUMERIC = /^\d+$/;

/** By name, or by number ("0", "65534"). A number with no entry is still a valid account. */
export function lookupUser(nameOrId: string, passwd = "/etc/passwd"): Account | null {
  for (const [name = "", , uid = "", gid = "", , home = "/", shell = "/bin/sh"] of readTable(passwd)) {
    if (name === nameOrId || (NUMERIC.test(nameOrId) && uid === nameOrId)) {
      return { name, uid: Number(uid), gid: Number(gid), home: home || "/", shell: shell || "/bin/sh" };
    }
  }
  if (NUMERIC.test(nameOrId)) return { name: nameOrId, uid: Number(nameOrId), gid: Number(nameOrId), home: "/", shell: "/bin/sh" };
  return null;
}

export function lookupGroup(nameOrId: string, groupFile = "/etc/group"): Group | null {
  for (const [name = "", , gid = "", members = ""] of readTable(groupFile)) {
    if (name === nameOrId || (NUMERIC.test(nameOrId) && gid === nameOrId)) {
      return { name, gid: Number(gid), members: members ? members.split(",") : [] };
    }
  }
  if (NUMERIC.test(nameOrId)) return { name: nameOrId, gid: Number(nameOrId), members: [] };
  return null;
}

/** What initgroups(3) would give: the primary group and every group that lists the user. */
export function groupsOfUser(user: Account, groupFile = "/etc/group"): number[] {
  const gids = new Set([user.gid]);
  for (const [, , gid = "", members = ""] of readTable(groupFile)) {
    if (members.split(",").includes(user.name)) gids.add(Number(gid));
  }
  return [...gids].sort((a, b) => a - b);
}
