import assert from "node:assert/strict";
import { test } from "node:test";
import { lexUnitFile } from "../../src/units/unit-lexer.js";
import { buildUnitModel } from "../../src/units/unit-model.js";
import type { UnitModelBuild } from "../../src/units/unit-model.js";
import type { SpecifierHost } from "../../src/units/specifiers.js";

const host: SpecifierHost = { runtimeRoot: "/run", home: "/root", userName: "root", uid: 0, hostname: "box" };

function build(name: string, ...files: string[]): UnitModelBuild {
  const sources = files.map((text, i) => ({
    path: i === 0 ? `/units/${name}` : `/units/${name}.d/${i}.conf`,
    syntax: lexUnitFile(text),
  }));
  return buildUnitModel(name, sources, host);
}

const SERVICE = "[Service]\nExecStart=/bin/web\n";

test("[Unit]: Description= expands specifiers", () => {
  const built = build("web@blue.service", `[Unit]\nDescription=Web server %i on %H\n${SERVICE}`);
  assert.equal(built.model.unit.description, "Web server blue on box");
});

test("[Unit]: dependency lists are space-separated, repeatable and without duplicates", () => {
  const { unit } = build("web.service", `[Unit]\nWants=db.service cache.service\nWants=db.service log.socket\nAfter=network.target db.service\n${SERVICE}`).model;
  assert.deepEqual(unit.dependencies.wants, ["db.service", "cache.service", "log.socket"]);
  assert.deepEqual(unit.dependencies.after, ["network.target", "db.service"]);
  assert.deepEqual(unit.dependencies.requires, []);
});

test("[Unit]: an empty dependency assignment resets the list (a drop-in can drop a dependency)", () => {
  const { unit } = build("web.service", `[Unit]\nRequires=db.service\nBefore=x.service\n${SERVICE}`, "[Unit]\nRequires=\nRequires=db2.service\n").model;
  assert.deepEqual(unit.dependencies.requires, ["db2.service"]);
  assert.deepEqual(unit.dependencies.before, ["x.service"]);
});

test("[Unit]: every dependency key lands in its list", () => {
  const keys = [
    ["Requires", "requires"],
    ["Requisite", "requisite"],
    ["Wants", "wants"],
    ["BindsTo", "bindsTo"],
    ["PartOf", "partOf"],
    ["Upholds", "upholds"],
    ["Conflicts", "conflicts"],
    ["Before", "before"],
    ["After", "after"],
    ["OnFailure", "onFailure"],
    ["OnSuccess", "onSuccess"],
    ["PropagatesReloadTo", "propagatesReloadTo"],
    ["ReloadPropagatedFrom", "reloadPropagatedFrom"],
    ["JoinsNamespaceOf", "joinsNamespaceOf"],
  ] as const;
  const text = keys.map(([key], i) => `${key}=u${i}.service`).join("\n");
  const { unit } = build("web.service", `[Unit]\n${text}\n${SERVICE}`).model;
  keys.forEach(([, field], i) => assert.deepEqual(unit.dependencies[field], [`u${i}.service`], field));
});

test("[Unit]: dependency names expand unit-name specifiers", () => {
  const { unit } = build("web@blue.service", `[Unit]\nRequires=%p-db@%i.service\nOnFailure=notify@%N.service\n${SERVICE}`).model;
  assert.deepEqual(unit.dependencies.requires, ["web-db@blue.service"]);
  assert.deepEqual(unit.dependencies.onFailure, ["notify@web@blue.service"]);
});

const badDependencies: [name: string, line: string, message: RegExp][] = [
  ["[Unit]: a dependency on something that is not a unit name is refused", "After=network", /Invalid unit name: network/],
  ["[Unit]: a dependency on a template is refused", "Wants=web@.service", /Invalid unit name: web@.service/],
  ["[Unit]: a dependency with a specifier unsafe in unit names is refused", "After=%t.service", /%t/],
];

for (const [name, line, message] of badDependencies) {
  test(name, () => {
    const { errors } = build("web.service", `[Unit]\n${line}\n${SERVICE}`);
    assert.equal(errors[0]?.line, 2);
    assert.match(errors[0]?.message ?? "", message);
  });
}

test("[Unit]: start limit, default dependencies and manual start flags", () => {
  const { unit } = build(
    "web.service",
    `[Unit]\nStartLimitIntervalSec=0\nStartLimitBurst=3\nDefaultDependencies=no\nRefuseManualStop=yes\n${SERVICE}`,
  ).model;
  assert.equal(unit.startLimitIntervalUsec, 0);
  assert.equal(unit.startLimitBurst, 3);
  assert.equal(unit.defaultDependencies, false);
  assert.equal(unit.refuseManualStop, true);
  assert.equal(unit.refuseManualStart, false);
});

test("[Unit]: Documentation= keeps valid URLs and warns about others", () => {
  const built = build("web.service", `[Unit]\nDocumentation=man:web(8) https://example.org/web not-a-url\n${SERVICE}`);
  assert.deepEqual(built.model.unit.documentation, ["man:web(8)", "https://example.org/web"]);
  assert.match(built.warnings[0]?.message ?? "", /Invalid URL, ignoring: not-a-url/);
  assert.deepEqual(built.errors, []);
});

test("[Unit]: conditions and asserts are recorded with their trigger and negation", () => {
  const { unit } = build(
    "web.service",
    `[Unit]\nConditionPathExists=/etc/web.conf\nConditionPathExists=|!/run/%p.disabled\nConditionHost=box\nAssertFileNotEmpty=/etc/web.conf\n${SERVICE}`,
  ).model;
  assert.deepEqual(unit.conditions, [
    { kind: "PathExists", trigger: false, negate: false, parameter: "/etc/web.conf" },
    { kind: "PathExists", trigger: true, negate: true, parameter: "/run/web.disabled" },
    { kind: "Host", trigger: false, negate: false, parameter: "box" },
  ]);
  assert.deepEqual(unit.asserts, [{ kind: "FileNotEmpty", trigger: false, negate: false, parameter: "/etc/web.conf" }]);
});

test("[Unit]: an empty condition assignment drops every condition written before it", () => {
  const { unit } = build("web.service", `[Unit]\nConditionPathExists=/a\nConditionHost=box\nConditionUser=\nConditionHost=other\n${SERVICE}`).model;
  assert.deepEqual(unit.conditions, [{ kind: "Host", trigger: false, negate: false, parameter: "other" }]);
});

test("[Unit]: a path condition needs an absolute path", () => {
  const { errors } = build("web.service", `[Unit]\nConditionPathExists=etc/web.conf\n${SERVICE}`);
  assert.equal(errors[0]?.key, "ConditionPathExists");
  assert.match(errors[0]?.message ?? "", /not absolute/);
});

test("[Unit]: keys steward knows but does not act on give a 'not supported' warning", () => {
  const built = build("web.service", `[Unit]\nJobTimeoutSec=5\n${SERVICE}`);
  assert.match(built.warnings[0]?.message ?? "", /JobTimeoutSec= in \[Unit\] is not supported by steward/);
});

test("[Install]: absent section gives null, present gives lists", () => {
  assert.equal(build("web.service", SERVICE).model.install, null);
  const { install } = build(
    "web.service",
    `${SERVICE}[Install]\nWantedBy=multi-user.target\nWantedBy=default.target multi-user.target\nRequiredBy=app.target\nAlias=www.service\nAlso=web.socket\n`,
  ).model;
  assert.deepEqual(install, {
    wantedBy: ["multi-user.target", "default.target"],
    requiredBy: ["app.target"],
    upheldBy: [],
    alias: ["www.service"],
    also: ["web.socket"],
    defaultInstance: null,
  });
});

test("[Install]: DefaultInstance= and specifiers in WantedBy=", () => {
  const { install } = build("web@x.service", `${SERVICE}[Install]\nDefaultInstance=8080\nWantedBy=%p.target\n`).model;
  assert.equal(install?.defaultInstance, "8080");
  assert.deepEqual(install?.wantedBy, ["web.target"]);
});

test("[Install]: an invalid unit name in WantedBy= is refused", () => {
  const { errors } = build("web.service", `${SERVICE}[Install]\nWantedBy=multi user\n`);
  assert.equal(errors[0]?.key, "WantedBy");
  assert.match(errors[0]?.message ?? "", /Invalid unit name: multi/);
});

test("[Install]: a drop-in's [Install] section counts", () => {
  assert.deepEqual(build("web.service", SERVICE, "[Install]\nWantedBy=a.target\n").model.install?.wantedBy, ["a.target"]);
});
