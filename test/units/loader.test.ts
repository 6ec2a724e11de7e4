import assert from "node:assert/strict";
import { after, test } from "node:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dropInDirectoryNames, UnitLoader } from "../../src/units/loader.js";
import type { LoadedUnit } from "../../src/units/loader.js";
import type { ServiceUnitModel, SocketUnitModel } from "../../src/units/unit-model.js";
import { parseUnitName } from "../../src/units/unit-name.js";
import type { SpecifierHost } from "../../src/units/specifiers.js";

const root = mkdtempSync(join(tmpdir(), "steward-units-"));
after(() => rmSync(root, { recursive: true, force: true }));

const first = join(root, "etc");
const second = join(root, "lib");

function write(path: string, text: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

// `first` has priority over `second`, as /etc has over /usr/lib.
write(join(first, "web.service"), "[Unit]\nDescription=Web\n[Service]\nExecStart=/bin/web\nEnvironment=A=1\n[Install]\nWantedBy=multi-user.target\n");
write(join(first, "web.service.d", "10-env.conf"), "[Service]\nEnvironment=B=2\n");
write(join(first, "web.service.d", "20-exec.conf"), "[Service]\nExecStart=\nExecStart=/bin/web --new\n");
write(join(first, "web.service.d", "notes.txt"), "[Service]\nExecStart=/bin/ignored\n");
write(join(second, "web.service"), "[Unit]\nDescription=Shadowed\n[Service]\nExecStart=/bin/other\n");
write(join(second, "web.service.d", "10-env.conf"), "[Service]\nEnvironment=B=shadowed\n");
write(join(second, "web.service.d", "15-after.conf"), "[Unit]\nAfter=db.service\n");
write(join(first, "service.d", "00-top.conf"), "[Service]\nEnvironment=TOP=1\n");
write(join(first, "web.socket"), "[Socket]\nListenStream=8080\n");
write(join(second, "db.service"), "[Unit]\nWants=old.service\n[Service]\nExecStart=/bin/db\n");
write(join(first, "db.service.d", "50-wants.conf"), "[Unit]\nWants=\nWants=cache.service\n");
write(join(first, "broken.service"), "[Unit]\nDescription=Broken\n[Service]\nExecStart=/bin/broken\nRestart=sometimes\n");
write(join(first, "syntax.service"), "[Service\nExecStart=/bin/x\n");
write(join(first, "api@.service"), "[Unit]\nDescription=API on %i\n[Service]\nExecStart=/bin/api --port %i\nEnvironment=INSTANCE=%I\n");
write(join(first, "api@.service.d", "10-template.conf"), "[Service]\nEnvironment=T=template\n");
write(join(first, "api@8080.service.d", "20-instance.conf"), "[Service]\nEnvironment=I=instance\n");
write(join(second, "api@9090.service"), "[Service]\nExecStart=/bin/api-special\n");
write(join(first, "foo-bar.service"), "[Service]\nExecStart=/bin/foo\n");
write(join(second, "foo-.service.d", "50-prefix.conf"), "[Service]\nEnvironment=PREFIX=foo\n");
write(join(first, "latin1.service"), Buffer.from("[Unit]\nDescription=caf\xe9\n[Service]\nExecStart=/bin/x\n", "latin1"));
write(join(first, "notes.txt"), "not a unit\n");
mkdirSync(join(first, "dir.service"), { recursive: true });

const host: SpecifierHost = { runtimeRoot: "/run", home: "/root", userName: "root", uid: 0 };
const loader = new UnitLoader([first, second], host);

function service(unit: LoadedUnit): ServiceUnitModel {
  assert.equal(unit.model?.kind, "service");
  return unit.model;
}

test("loader: every .service and .socket is listed once, templates apart", () => {
  assert.deepEqual(loader.unitNames(), [
    "api@9090.service",
    "broken.service",
    "db.service",
    "foo-bar.service",
    "latin1.service",
    "syntax.service",
    "web.service",
    "web.socket",
  ]);
  assert.deepEqual(loader.templateNames(), ["api@.service"]);
});

test("loader: the first directory's file wins; drop-ins from all directories apply in file-name order", () => {
  const web = loader.load("web.service");
  assert.equal(web.load, "loaded");
  assert.equal(web.loadError, null);
  assert.equal(web.fragmentPath, join(first, "web.service"));
  assert.deepEqual(web.dropInPaths, [
    join(first, "service.d", "00-top.conf"),
    join(first, "web.service.d", "10-env.conf"),
    join(second, "web.service.d", "15-after.conf"),
    join(first, "web.service.d", "20-exec.conf"),
  ]);
  const model = service(web);
  assert.equal(model.unit.description, "Web");
  assert.deepEqual(Object.fromEntries(model.service.exec.environment), { TOP: "1", A: "1", B: "2" });
  assert.deepEqual(model.service.commands.ExecStart.map((command) => command.argv), [["/bin/web", "--new"]]);
  assert.deepEqual(model.unit.dependencies.after, ["db.service"]);
  assert.deepEqual(model.install?.wantedBy, ["multi-user.target"]);
});

test("loader: a unit only in a later directory is found there, and a drop-in can reset its lists", () => {
  const db = loader.load("db.service");
  assert.equal(db.load, "loaded");
  assert.equal(db.fragmentPath, join(second, "db.service"));
  assert.deepEqual(db.dropInPaths, [join(first, "service.d", "00-top.conf"), join(first, "db.service.d", "50-wants.conf")]);
  assert.deepEqual(service(db).unit.dependencies.wants, ["cache.service"]);
});

test("loader: a broken unit is bad-setting with file, line, key and reason; the others still load", () => {
  const units = new Map(loader.loadAll().map((unit) => [unit.name, unit]));
  const broken = units.get("broken.service");
  assert.ok(broken !== undefined);
  assert.equal(broken.load, "bad-setting");
  assert.deepEqual(broken.loadError, {
    file: join(first, "broken.service"),
    line: 5,
    key: "Restart",
    message: "Invalid Restart= value 'sometimes' (expected one of: no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always)",
  });
  assert.equal(broken.model?.unit.description, "Broken");
  for (const name of ["web.service", "web.socket", "db.service", "foo-bar.service", "api@9090.service"]) {
    assert.equal(units.get(name)?.load, "loaded", name);
  }
});

test("loader: a file that cannot be parsed makes the unit 'error'", () => {
  const unit = loader.load("syntax.service");
  assert.equal(unit.load, "error");
  assert.equal(unit.loadError?.line, 1);
  assert.match(unit.loadError?.message ?? "", /Invalid section header/);
});

test("loader: a unit with no file is not-found, with a reason", () => {
  const missing = loader.load("nope.service");
  assert.equal(missing.load, "not-found");
  assert.equal(missing.model, null);
  assert.match(missing.loadError?.message ?? "", /Unit nope.service not found/);
  assert.equal(loader.load("dir.service").load, "not-found", "a directory is not a unit file");
});

test("loader: a template is instantiated with specifiers expanded, with its own and the template's drop-ins", () => {
  const api = loader.loadInstance("api@8080.service");
  assert.equal(api.load, "loaded", JSON.stringify(api.loadError));
  assert.equal(api.fragmentPath, join(first, "api@.service"));
  assert.deepEqual(api.dropInPaths, [
    join(first, "service.d", "00-top.conf"),
    join(first, "api@.service.d", "10-template.conf"),
    join(first, "api@8080.service.d", "20-instance.conf"),
  ]);
  const model = service(api);
  assert.equal(model.name, "api@8080.service");
  assert.equal(model.unit.description, "API on 8080");
  assert.deepEqual(model.service.commands.ExecStart[0]?.argv, ["/bin/api", "--port", "8080"]);
  assert.deepEqual(Object.fromEntries(model.service.exec.environment), { TOP: "1", INSTANCE: "8080", T: "template", I: "instance" });
});

test("loader: an instance with a file of its own uses it rather than the template", () => {
  const special = loader.load("api@9090.service");
  assert.equal(special.fragmentPath, join(second, "api@9090.service"));
  assert.deepEqual(service(special).service.commands.ExecStart[0]?.argv, ["/bin/api-special"]);
});

test("loader: a template is never loaded by itself, and loadInstance wants an instance", () => {
  assert.equal(loader.load("api@.service").load, "not-found");
  assert.match(loader.loadInstance("web.service").loadError?.message ?? "", /not an instance name/);
  assert.equal(loader.loadInstance("nothing@1.service").load, "not-found");
});

test("loader: dash-prefix drop-ins apply (foo-.service.d/ to foo-bar.service)", () => {
  const foo = loader.load("foo-bar.service");
  assert.deepEqual(foo.dropInPaths, [join(first, "service.d", "00-top.conf"), join(second, "foo-.service.d", "50-prefix.conf")]);
  assert.equal(service(foo).service.exec.environment.get("PREFIX"), "foo");
});

test("loader: socket units load", () => {
  const socket = loader.load("web.socket");
  assert.equal(socket.load, "loaded");
  assert.equal((socket.model as SocketUnitModel).socket.service, "web.service");
});

test("loader: a file that is not UTF-8 loads with a warning", () => {
  const unit = loader.load("latin1.service");
  assert.equal(unit.load, "loaded");
  assert.match(unit.warnings[0]?.message ?? "", /not valid UTF-8/);
});

test("loader: only .service and .socket units are loaded", () => {
  assert.match(loader.load("multi-user.target").loadError?.message ?? "", /only .service and .socket/);
  assert.match(loader.load("bad name").loadError?.message ?? "", /Invalid unit name/);
});

test("drop-in directories: instance, template and dash prefixes, most specific first", () => {
  const name = parseUnitName("foo-bar-baz@x.service");
  assert.ok(name !== null);
  assert.deepEqual(dropInDirectoryNames(name), [
    "foo-bar-baz@x.service.d",
    "foo-bar-baz@.service.d",
    "foo-bar-@.service.d",
    "foo-@.service.d",
    "foo-bar-@x.service.d",
    "foo-@x.service.d",
  ]);
});

test("drop-in directories: a plain name without dashes has only its own", () => {
  const name = parseUnitName("web.service");
  assert.ok(name !== null);
  assert.deepEqual(dropInDirectoryNames(name), ["web.service.d"]);
});
