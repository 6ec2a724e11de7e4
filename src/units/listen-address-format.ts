// How a listen address reads, in a module without Node APIs, so that core/ may use it too.
import type { ListenAddress } from "./socket-address.js";

/** As systemctl shows it: "[::]:8080", "127.0.0.1:80", "[::1]:80", "/run/x.sock", "@name". */
export function formatListenAddress(address: ListenAddress): string {
  switch (address.family) {
    case "unix":
      return address.path;
    case "abstract":
      return `@${address.name}`;
    case "inet": {
      const host = address.host ?? (address.version === 4 ? "0.0.0.0" : "::");
      const shown = address.version === 4 ? host : `[${host}]`;
      return `${shown}:${address.port}${address.interface === null ? "" : `%${address.interface}`}`;
    }
  }
}
