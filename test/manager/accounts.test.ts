import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { groupsOfUser, lookupGroup, lookupUser } from "../../src/manager/accounts.js";

const dir = mkdtempSync(join(tmpdir(), "steward-accounts-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const passwd = join(dir, "passwd");
const group = join(dir, "group");
writeFileSync(passwd, "root:x:0:0:root:/root:/bin/bash\nweb:x:1001:1001::/srv/web:/usr/sbin/nologin\n");
writeFileSync(group, "root:x:0:\nweb:x:1001:\nlog:x:4:web,other\nstaff:x:50:other\n");

test("accounts: users by name and by number", () => {
  assert.deepEqual(lookupUser("web", passwd), { name: "web", uid: 1001, gid: 1001, home: "/srv/web", shell: "/usr/sbin/nologin" });
  assert.equal(lookupUser("0", passwd)?.name, "root");
  assert.deepEqual(lookupUser("4242", passwd), { name: "4242", uid: 4242, gid: 4242, home: "/", shell: "/bin/sh" });
  assert.equal(lookupUser("nobody-here", passwd), null);
});

test("accounts: groups by name and by number", () => {
  assert.deepEqual(lookupGroup("log", group), { name: "log", gid: 4, members: ["web", "other"] });
  assert.equal(lookupGroup("50", group)?.name, "staff");
  assert.equal(lookupGroup("missing", group), null);
});

test("accounts: supplementary groups are the primary one plus every group listing the user", () => {
  const web = lookupUser("web", passwd);
  assert.ok(web);
  assert.deepEqual(groupsOfUser(web, group), [4, 1001]);
});
