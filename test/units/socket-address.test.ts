import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatListenAddress, parseListenAddress } from "../../src/units/socket-address.js";
import type { ListenAddress } from "../../src/units/socket-address.js";

const rows: [name: string, text: string, address: ListenAddress, shown: string][] = [
  ["listen address: a bare port listens on any address", "8080", { family: "inet", host: null, version: null, port: 8080, interface: null }, "[::]:8080"],
  ["listen address: IPv4 and port", "127.0.0.1:80", { family: "inet", host: "127.0.0.1", version: 4, port: 80, interface: null }, "127.0.0.1:80"],
  ["listen address: IPv6 in brackets and port", "[::1]:443", { family: "inet", host: "::1", version: 6, port: 443, interface: null }, "[::1]:443"],
  ["listen address: IPv6 with an interface after the port", "[fe80::1]:53%eth0", { family: "inet", host: "fe80::1", version: 6, port: 53, interface: "eth0" }, "[fe80::1]:53%eth0"],
  ["listen address: IPv6 with the interface inside the brackets", "[fe80::1%eth0]:53", { family: "inet", host: "fe80::1", version: 6, port: 53, interface: "eth0" }, "[fe80::1]:53%eth0"],
  ["listen address: an absolute path is AF_UNIX", "/run/web.sock", { family: "unix", path: "/run/web.sock" }, "/run/web.sock"],
  ["listen address: @ is the abstract namespace", "@web", { family: "abstract", name: "web" }, "@web"],
];

for (const [name, text, address, shown] of rows) {
  test(name, () => {
    assert.deepEqual(parseListenAddress(text), address);
    assert.equal(formatListenAddress(address), shown);
  });
}

const errorRows: [name: string, text: string][] = [
  ["listen address: port 0 is refused", "0"],
  ["listen address: a port above 65535 is refused", "65536"],
  ["listen address: a host name is refused (no resolving)", "localhost:80"],
  ["listen address: IPv4 without port is refused", "127.0.0.1"],
  ["listen address: IPv6 without brackets is refused", "::1:80"],
  ["listen address: an AF_UNIX path longer than sun_path is refused", `/${"a".repeat(107)}`],
  ["listen address: an empty abstract name is refused", "@"],
  ["listen address: vsock is not supported", "vsock:2:1234"],
  ["listen address: a relative path is refused", "run/web.sock"],
];

for (const [name, text] of errorRows) {
  test(name, () => {
    assert.ok("error" in parseListenAddress(text), text);
  });
}

test("listen address: parsing never throws", () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      const parsed = parseListenAddress(text);
      if (!("error" in parsed)) assert.equal(typeof formatListenAddress(parsed), "string");
    }),
  );
});
