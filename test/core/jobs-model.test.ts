// Merging two jobs for one unit (systemd's merging table) and which jobs change nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JobType, UnitActiveState } from "../../src/core/jobs-model.js";
import { isRedundant, jobTypeIncludes, jobTypesConflict, mergeJobTypes } from "../../src/core/jobs-model.js";

const merges: [string, JobType, JobType, UnitActiveState, JobType | null][] = [
  ["merge: start + start is a start", "start", "start", "inactive", "start"],
  ["merge: start + verify-active is a start", "start", "verify-active", "inactive", "start"],
  ["merge: start + stop conflict", "start", "stop", "active", null],
  ["merge: stop + stop is a stop", "stop", "stop", "active", "stop"],
  ["merge: stop + restart conflict", "stop", "restart", "active", null],
  ["merge: stop + reload conflict", "reload", "stop", "active", null],
  ["merge: stop + verify-active conflict", "verify-active", "stop", "active", null],
  ["merge: reload + start on a running unit is a reload", "reload", "start", "active", "reload"],
  ["merge: reload + start on a stopped unit is a start", "start", "reload", "inactive", "start"],
  ["merge: reload + start on a starting unit is a start", "start", "reload", "activating", "start"],
  ["merge: reload + verify-active is a reload", "verify-active", "reload", "active", "reload"],
  ["merge: restart + start is a restart", "start", "restart", "active", "restart"],
  ["merge: restart + verify-active is a restart", "restart", "verify-active", "active", "restart"],
  ["merge: restart + reload is a restart", "reload", "restart", "active", "restart"],
];

for (const [behaviour, a, b, state, expected] of merges) {
  test(behaviour, () => {
    assert.equal(mergeJobTypes(a, b, state), expected);
    assert.equal(mergeJobTypes(b, a, state), expected, "merging is symmetric");
    assert.equal(jobTypesConflict(a, b), expected === null);
  });
}

test("merge: a restart includes a start, a start does not include a restart", () => {
  assert.equal(jobTypeIncludes("restart", "start"), true);
  assert.equal(jobTypeIncludes("start", "restart"), false);
  assert.equal(jobTypeIncludes("start", "verify-active"), true);
});

const redundant: [string, JobType, UnitActiveState, boolean][] = [
  ["redundant: a start of an active unit", "start", "active", true],
  ["redundant: a start of a reloading unit", "start", "reloading", true],
  ["redundant: not a start of an activating unit (it may still fail)", "start", "activating", false],
  ["redundant: not a start of a failed unit", "start", "failed", false],
  ["redundant: a stop of an inactive unit", "stop", "inactive", true],
  ["redundant: a stop of a failed unit", "stop", "failed", true],
  ["redundant: not a stop of a deactivating unit", "stop", "deactivating", false],
  ["redundant: a verify-active of an active unit", "verify-active", "active", true],
  ["redundant: not a verify-active of an inactive unit", "verify-active", "inactive", false],
  ["redundant: a reload of a reloading unit", "reload", "reloading", true],
  ["redundant: not a reload of an active unit", "reload", "active", false],
  ["redundant: a restart of an activating unit", "restart", "activating", true],
  ["redundant: not a restart of an active unit", "restart", "active", false],
];

for (const [behaviour, type, state, expected] of redundant) {
  test(behaviour, () => {
    assert.equal(isRedundant(type, state), expected);
  });
}
