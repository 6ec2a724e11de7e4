// Processes that are not our children (a daemon's main process while it is still a
// grandchild, the members of a service tracked by tree): each watched through its pidfd,
// each callback called once when the process has exited.
import { closeFd, openPidfd, PidfdExitWatcher } from "../sys/index.js";

export class ExitWatches {
  readonly #watcher = new PidfdExitWatcher((pidfds) => this.#exited(pidfds));
  readonly #byPidfd = new Map<number, () => void>();

  /** Throws (ESRCH) when the process is gone already. Returns the function that stops watching. */
  watch(pid: number, onExit: () => void): () => void {
    const pidfd = openPidfd(pid);
    this.#byPidfd.set(pidfd, onExit);
    this.#watcher.add(pidfd);
    return () => {
      if (!this.#byPidfd.delete(pidfd)) return;
      this.#watcher.remove(pidfd);
      closeFd(pidfd);
    };
  }

  close(): void {
    for (const pidfd of this.#byPidfd.keys()) closeFd(pidfd);
    this.#byPidfd.clear();
    this.#watcher.close();
  }

  #exited(pidfds: number[]): void {
    for (const pidfd of pidfds) {
      const onExit = this.#byPidfd.get(pidfd);
      if (!onExit) continue;
      this.#byPidfd.delete(pidfd);
      closeFd(pidfd);
      onExit();
    }
  }
}
