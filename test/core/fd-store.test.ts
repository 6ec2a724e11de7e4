// The fd store as a value (add, remove, hang-up, release per FileDescriptorStorePreserve=), the
// fds a service is handed at start (collectFds) and how status describes a stored fd; then a
// property: for any sequence of operations every fd handed in is, at the end, either in the
// store or closed exactly once, and the hang-up watch never holds a closed fd.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  addToStore,
  collectFds,
  connectionFds,
  describeStoredFd,
  EMPTY_FD_STORE,
  hangUp,
  releaseStore,
  removeFromStore,
} from "../../src/core/fd-store.js";
import type { FdStore, FdStoreChange, FdStoreReleaseReason, SocketFds, StoredFdFacts } from "../../src/core/fd-store.js";
import type { FdStorePreserve } from "../../src/units/service-section.js";
import { socketUnit } from "./socket-harness.js";

// ---- a store driven by a list of operations ----

type Op =
  | { op: "add"; fds: readonly (readonly [number, string])[]; name?: string | null; poll?: boolean }
  | { op: "remove"; name: string }
  | { op: "hang-up"; fd: number }
  | { op: "release"; reason: FdStoreReleaseReason };

const add = (fds: readonly (readonly [number, string])[], name: string | null = null, poll = true): Op => ({ op: "add", fds, name, poll });
const remove = (name: string): Op => ({ op: "remove", name });
const hup = (fd: number): Op => ({ op: "hang-up", fd });
const release = (reason: FdStoreReleaseReason): Op => ({ op: "release", reason });

interface Run {
  store: FdStore;
  closed: number[];
  watched: Set<number>;
  logs: string[];
}

function apply(store: FdStore, op: Op, max: number, preserve: FdStorePreserve): FdStoreChange {
  switch (op.op) {
    case "add":
      return addToStore(store, { fds: op.fds.map(([fd, identity]) => ({ fd, identity })), name: op.name ?? null, poll: op.poll ?? true }, max);
    case "remove":
      return removeFromStore(store, op.name);
    case "hang-up":
      return hangUp(store, op.fd);
    case "release":
      return releaseStore(store, preserve, op.reason);
  }
}

function runOps(ops: readonly Op[], max: number, preserve: FdStorePreserve = "restart"): Run {
  const run: Run = { store: EMPTY_FD_STORE, closed: [], watched: new Set(), logs: [] };
  for (const op of ops) {
    const change = apply(run.store, op, max, preserve);
    for (const fd of change.unwatch) assert.ok(run.watched.delete(fd), `unwatch of fd ${fd}, which is not watched`);
    for (const fd of change.closeFds) assert.ok(!run.watched.has(fd), `fd ${fd} closed while still watched`);
    for (const fd of change.watch) {
      assert.ok(!run.watched.has(fd), `fd ${fd} watched twice`);
      run.watched.add(fd);
    }
    run.closed.push(...change.closeFds);
    run.logs.push(...change.logs.map((log) => `${log.level}: ${log.message}`));
    run.store = change.store;
  }
  return run;
}

interface StoreRow {
  behaviour: string;
  max: number;
  preserve?: FdStorePreserve;
  ops: Op[];
  expect: {
    /** [fd, name] in the store's order. */
    store: [number, string][];
    closed: number[];
    watched?: number[];
    logged?: RegExp[];
  };
}

const storeRows: StoreRow[] = [
  {
    behaviour: "fd store: fds are kept under their FDNAME= and watched for hang-up",
    max: 10,
    ops: [add([[5, "a"], [6, "b"]], "conn")],
    expect: { store: [[5, "conn"], [6, "conn"]], closed: [], watched: [5, 6], logged: [/debug: Added fd 5 \(conn\) to fd store\./] },
  },
  {
    behaviour: "fd store: without FDNAME= the name is \"stored\"",
    max: 10,
    ops: [add([[5, "a"]])],
    expect: { store: [[5, "stored"]], closed: [] },
  },
  {
    behaviour: "fd store: several messages accumulate, oldest first",
    max: 10,
    ops: [add([[5, "a"]], "one"), add([[6, "b"]], "two"), add([[7, "c"]], "one")],
    expect: { store: [[5, "one"], [6, "two"], [7, "one"]], closed: [] },
  },
  {
    behaviour: "fd store: a second FDSTORE=1 of the same fd is closed, not stored twice",
    max: 10,
    ops: [add([[5, "sock:1"]], "conn"), add([[8, "sock:1"]], "conn")],
    expect: { store: [[5, "conn"]], closed: [8], watched: [5], logged: [/Suppressing duplicate fd 8 in fd store\./] },
  },
  {
    behaviour: "fd store: the same fd twice in one message is stored once",
    max: 10,
    ops: [add([[5, "x"], [6, "x"], [7, "y"]])],
    expect: { store: [[5, "stored"], [7, "stored"]], closed: [6] },
  },
  {
    behaviour: "fd store: past FileDescriptorStoreMax= extra fds are closed with a log line",
    max: 2,
    ops: [add([[5, "a"]]), add([[6, "b"], [7, "c"], [8, "d"]])],
    expect: {
      store: [[5, "stored"], [6, "stored"]],
      closed: [7, 8],
      watched: [5, 6],
      logged: [/warning: Cannot store more fds than FileDescriptorStoreMax=2, closing remaining\./],
    },
  },
  {
    behaviour: "fd store: FileDescriptorStoreMax=0 (the default) closes everything pushed",
    max: 0,
    ops: [add([[5, "a"], [6, "b"]], "conn")],
    expect: { store: [], closed: [5, 6], watched: [], logged: [/FileDescriptorStoreMax=0/] },
  },
  {
    behaviour: "fd store: a full store closes even a duplicate, with the limit warning (systemd checks the limit first)",
    max: 1,
    ops: [add([[5, "a"]]), add([[6, "a"]])],
    expect: { store: [[5, "stored"]], closed: [6], logged: [/Cannot store more fds/] },
  },
  {
    behaviour: "fd store: FDSTOREREMOVE=1 closes every fd of that name",
    max: 10,
    ops: [add([[5, "a"]], "conn"), add([[6, "b"]], "state"), add([[7, "c"]], "conn"), remove("conn")],
    expect: {
      store: [[6, "state"]],
      closed: [5, 7],
      watched: [6],
      logged: [/Got explicit request to remove fd 5 \(conn\), closing\./, /Got explicit request to remove fd 7 \(conn\), closing\./],
    },
  },
  {
    behaviour: "fd store: FDSTOREREMOVE=1 of a name nobody stored changes nothing",
    max: 10,
    ops: [add([[5, "a"]], "conn"), remove("other")],
    expect: { store: [[5, "conn"]], closed: [], watched: [5] },
  },
  {
    behaviour: "fd store: FDPOLL=0 fds are not watched",
    max: 10,
    ops: [add([[5, "a"]], "state", false)],
    expect: { store: [[5, "state"]], closed: [], watched: [] },
  },
  {
    behaviour: "fd store: a hung-up fd is dropped unless FDPOLL=0",
    max: 10,
    ops: [add([[5, "a"]], "conn"), add([[6, "b"]], "state", false), hup(5), hup(6)],
    expect: { store: [[6, "state"]], closed: [5], watched: [], logged: [/Received EPOLLHUP on stored fd 5 \(conn\), closing\./] },
  },
  {
    behaviour: "fd store: a hang-up of an fd no longer stored is ignored",
    max: 10,
    ops: [add([[5, "a"]], "conn"), remove("conn"), hup(5)],
    expect: { store: [], closed: [5] },
  },
  {
    behaviour: "fd store: removing FDPOLL=0 fds unwatches nothing",
    max: 10,
    ops: [add([[5, "a"]], "s", false), add([[6, "b"]], "s"), remove("s")],
    expect: { store: [], closed: [5, 6], watched: [] },
  },
  {
    behaviour: "fd store: Preserve=restart keeps fds across a restart and releases them on stop",
    max: 10,
    preserve: "restart",
    ops: [add([[5, "a"]], "conn"), release("service-dead"), add([[6, "b"]], "conn"), release("unit-inactive")],
    expect: { store: [], closed: [5, 6], watched: [], logged: [/Releasing all stored fds\./] },
  },
  {
    behaviour: "fd store: Preserve=restart keeps fds while the service is dead but a restart is on its way",
    max: 10,
    preserve: "restart",
    ops: [add([[5, "a"]], "conn"), release("service-dead")],
    expect: { store: [[5, "conn"]], closed: [], watched: [5] },
  },
  {
    behaviour: "fd store: Preserve=no releases on every end of the service, also before an automatic restart",
    max: 10,
    preserve: "no",
    ops: [add([[5, "a"]], "conn"), release("service-dead")],
    expect: { store: [], closed: [5], watched: [] },
  },
  {
    behaviour: "fd store: Preserve=yes keeps fds after a stop, until the unit is unloaded",
    max: 10,
    preserve: "yes",
    ops: [add([[5, "a"]], "conn"), release("service-dead"), release("unit-inactive"), add([[6, "b"]]), release("unit-unloaded")],
    expect: { store: [], closed: [5, 6], watched: [] },
  },
  {
    behaviour: "fd store: Preserve=yes still lets an explicit clean drop the store",
    max: 10,
    preserve: "yes",
    ops: [add([[5, "a"]], "conn"), release("clean")],
    expect: { store: [], closed: [5] },
  },
  {
    behaviour: "fd store: releasing an empty store logs nothing",
    max: 10,
    ops: [release("unit-inactive")],
    expect: { store: [], closed: [], logged: [] },
  },
];

for (const row of storeRows) {
  test(row.behaviour, () => {
    const run = runOps(row.ops, row.max, row.preserve);
    const seen = `store ${JSON.stringify(run.store.entries)}, closed ${JSON.stringify(run.closed)}, logs ${JSON.stringify(run.logs)}`;
    assert.deepEqual(run.store.entries.map((e) => [e.fd, e.name]), row.expect.store, seen);
    assert.deepEqual(run.closed, row.expect.closed, seen);
    if (row.expect.watched !== undefined) assert.deepEqual([...run.watched].sort(), row.expect.watched, seen);
    for (const pattern of row.expect.logged ?? []) assert.ok(run.logs.some((line) => pattern.test(line)), `no log matches ${pattern}; ${seen}`);
    if (row.expect.logged?.length === 0) assert.deepEqual(run.logs, [], seen);
  });
}

test("fd store: an invalid FDNAME= is stored as \"stored\", with a warning", () => {
  const change = addToStore(EMPTY_FD_STORE, { fds: [{ fd: 5, identity: "a" }], name: "has:colon", poll: true }, 10);
  assert.deepEqual(change.store.entries.map((e) => e.name), ["stored"]);
  assert.ok(change.logs.some((log) => log.level === "warning" && /FDNAME=/.test(log.message)));
});

// ---- collect ----

const stored = (entries: [number, string][]): FdStore =>
  runOps([...entries.map(([fd, name]) => add([[fd, `id${fd}`]], name))], 100).store;

interface CollectRow {
  behaviour: string;
  sockets: SocketFds[];
  store: FdStore;
  socketsOrder?: string[];
  expect: { fds: number[]; env: Record<string, string>; socketFdCount?: number };
}

const web = socketUnit("ListenStream=8080\nListenStream=8443");
const named = socketUnit("ListenStream=/run/api.sock\nFileDescriptorName=api", "api.socket");
const admin = socketUnit("ListenStream=9000", "admin.socket");
const fdsOf = (model: ReturnType<typeof socketUnit>, fds: number[]): SocketFds => ({ unit: model.name, name: model.socket.fileDescriptorName, fds });

const collectRows: CollectRow[] = [
  {
    behaviour: "collect: socket fds first, in order, then stored fds, with LISTEN_FDNAMES",
    sockets: [fdsOf(web, [10, 11])],
    store: stored([[20, "conn"], [21, "stored"], [22, "conn"]]),
    expect: {
      fds: [10, 11, 20, 21, 22],
      socketFdCount: 2,
      env: { LISTEN_FDS: "5", LISTEN_FDNAMES: "web.socket:web.socket:conn:stored:conn" },
    },
  },
  {
    behaviour: "collect: several socket units in the service's Sockets= order, then the others by name",
    sockets: [fdsOf(web, [10, 11]), fdsOf(admin, [12]), fdsOf(named, [13])],
    store: EMPTY_FD_STORE,
    socketsOrder: ["web.socket"],
    expect: { fds: [10, 11, 12, 13], env: { LISTEN_FDS: "4", LISTEN_FDNAMES: "web.socket:web.socket:admin.socket:api" } },
  },
  {
    behaviour: "collect: without Sockets= the socket units go by name",
    sockets: [fdsOf(web, [10, 11]), fdsOf(named, [13]), fdsOf(admin, [12])],
    store: EMPTY_FD_STORE,
    expect: { fds: [12, 13, 10, 11], env: { LISTEN_FDS: "4", LISTEN_FDNAMES: "admin.socket:api:web.socket:web.socket" } },
  },
  {
    behaviour: "collect: a socket unit listed twice passes its fds once",
    sockets: [fdsOf(admin, [12]), fdsOf(admin, [12])],
    store: EMPTY_FD_STORE,
    expect: { fds: [12], env: { LISTEN_FDS: "1", LISTEN_FDNAMES: "admin.socket" } },
  },
  {
    behaviour: "collect: an Accept=yes instance gets its connection named \"connection\", then the store",
    sockets: [connectionFds("echo.socket", 30)],
    store: stored([[20, "session"]]),
    expect: { fds: [30, 20], env: { LISTEN_FDS: "2", LISTEN_FDNAMES: "connection:session" } },
  },
  {
    behaviour: "collect: only stored fds, after a restart without sockets",
    sockets: [],
    store: stored([[20, "stored"]]),
    expect: { fds: [20], socketFdCount: 0, env: { LISTEN_FDS: "1", LISTEN_FDNAMES: "stored" } },
  },
  {
    behaviour: "collect: nothing to pass sets no LISTEN_* variables",
    sockets: [fdsOf(web, [])],
    store: EMPTY_FD_STORE,
    expect: { fds: [], env: {} },
  },
];

for (const row of collectRows) {
  test(row.behaviour, () => {
    const collected = collectFds(row.sockets, row.store, row.socketsOrder);
    assert.deepEqual(collected.fds, row.expect.fds);
    assert.deepEqual(collected.env, row.expect.env);
    assert.equal(collected.names.length, collected.fds.length);
    if (row.expect.socketFdCount !== undefined) assert.equal(collected.socketFdCount, row.expect.socketFdCount);
    assert.equal(collected.socketFdCount + collected.storedFdCount, collected.fds.length);
  });
}

// ---- describe ----

const sock = (socket: NonNullable<StoredFdFacts["inspection"]["socket"]>): StoredFdFacts => ({ inspection: { type: "socket", size: 0, socket }, target: "socket:[123]" });

const describeRows: [string, StoredFdFacts, string][] = [
  [
    "describe: a TCP listener shows its address",
    sock({ family: "inet", type: "stream", listening: true, localAddress: "0.0.0.0", localPort: 8080, peerAddress: null, peerPort: null }),
    "tcp-listener 0.0.0.0:8080",
  ],
  [
    "describe: IPv6 addresses are bracketed",
    sock({ family: "inet6", type: "stream", listening: true, localAddress: "::", localPort: 8080, peerAddress: null, peerPort: null }),
    "tcp-listener [::]:8080",
  ],
  [
    "describe: a TCP connection shows both ends",
    sock({ family: "inet", type: "stream", listening: false, localAddress: "127.0.0.1", localPort: 8080, peerAddress: "127.0.0.1", peerPort: 40112 }),
    "tcp 127.0.0.1:8080 peer 127.0.0.1:40112",
  ],
  [
    "describe: UDP",
    sock({ family: "inet", type: "dgram", listening: false, localAddress: "0.0.0.0", localPort: 53, peerAddress: null, peerPort: null }),
    "udp 0.0.0.0:53",
  ],
  [
    "describe: an unnamed AF_UNIX stream (a socketpair end)",
    sock({ family: "unix", type: "stream", listening: false, localAddress: "", localPort: null, peerAddress: "", peerPort: null }),
    "unix-stream",
  ],
  [
    "describe: an AF_UNIX connection to a listener shows the peer's path",
    sock({ family: "unix", type: "stream", listening: false, localAddress: "", localPort: null, peerAddress: "/run/db.sock", peerPort: null }),
    "unix-stream peer /run/db.sock",
  ],
  [
    "describe: an AF_UNIX listener shows its path",
    sock({ family: "unix", type: "seqpacket", listening: true, localAddress: "@ctl", localPort: null, peerAddress: null, peerPort: null }),
    "unix-seqpacket-listener @ctl",
  ],
  ["describe: a memfd shows its name and size", { inspection: { type: "file", size: 4096 }, target: "/memfd:state" }, "memfd memfd:state, 4096 bytes"],
  ["describe: a file shows its path and size", { inspection: { type: "file", size: 12 }, target: "/var/lib/web/state" }, "file /var/lib/web/state, 12 bytes"],
  ["describe: an anonymous pipe", { inspection: { type: "fifo", size: 0 }, target: "pipe:[4242]" }, "pipe"],
  ["describe: a named FIFO shows its path", { inspection: { type: "fifo", size: 0 }, target: "/run/web.fifo" }, "fifo /run/web.fifo"],
  ["describe: a device", { inspection: { type: "char", size: 0 }, target: "/dev/null" }, "device /dev/null"],
  ["describe: a netlink socket", sock({ family: "netlink", type: "raw", listening: false, peerAddress: null, peerPort: null }), "netlink"],
  ["describe: anything else", { inspection: { type: "unknown", size: 0 }, target: null }, "unknown"],
];

for (const [behaviour, facts, kind] of describeRows) test(behaviour, () => assert.equal(describeStoredFd(facts), kind));

// ---- property ----

/** An operation before fd numbers are dealt: an add says how many fds and which files they are. */
type OpDraft =
  | { op: "add"; count: number; identities: number[]; name: string | null; poll: boolean }
  | Extract<Op, { op: "remove" | "hang-up" | "release" }>;

const opArbitrary: fc.Arbitrary<OpDraft> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("add" as const),
      count: fc.integer({ min: 0, max: 4 }),
      // Few identities, so that duplicates (the same file pushed again) are common.
      identities: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 4, maxLength: 4 }),
      name: fc.constantFrom(null, "a", "b"),
      poll: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), name: fc.constantFrom("a", "b", "stored") }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("hang-up" as const), fd: fc.integer({ min: 0, max: 40 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("release" as const),
      reason: fc.constantFrom<FdStoreReleaseReason>("service-dead", "unit-inactive", "unit-unloaded", "clean"),
    }),
  },
);

test("fd store property: every fd handed in ends up exactly once in the store or in a closeFds list", () => {
  fc.assert(
    fc.property(
      fc.array(opArbitrary, { maxLength: 30 }),
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom<FdStorePreserve>("no", "restart", "yes"),
      (drafts, max, preserve) => {
        // Fresh fd numbers for every fd pushed, as SCM_RIGHTS gives them; hang-ups name any number.
        let nextFd = 3;
        const handedIn: number[] = [];
        const ops: Op[] = drafts.map((draft) => {
          if (draft.op !== "add") return draft;
          const fds = draft.identities.slice(0, draft.count).map((identity) => {
            const fd = nextFd++;
            handedIn.push(fd);
            return [fd, `id${identity}`] as const;
          });
          return add(fds, draft.name, draft.poll);
        });
        const run = runOps(ops, max, preserve);
        const inStore = run.store.entries.map((entry) => entry.fd);
        assert.equal(new Set(run.closed).size, run.closed.length, `closed twice: ${JSON.stringify(run.closed)}`);
        assert.ok(run.closed.every((fd) => !inStore.includes(fd)), "an fd is both stored and closed");
        assert.deepEqual([...inStore, ...run.closed].sort((a, b) => a - b), handedIn, "an fd was lost or made up");
        assert.ok(run.store.entries.length <= max, "the store outgrew FileDescriptorStoreMax=");
        assert.equal(new Set(run.store.entries.map((entry) => entry.identity)).size, run.store.entries.length, "one file stored twice");
        for (const fd of run.watched) assert.ok(run.store.entries.some((entry) => entry.fd === fd && entry.poll), `fd ${fd} watched but not a polled entry`);
      },
    ),
    { numRuns: 500 },
  );
});
