// A process's pidfd ID: the inode number of its pidfd on pidfs (Linux 6.9+),
// never reused while the machine runs. It is what MAINPIDFDID= and
// LISTEN_PIDFDID carry so that a PID cannot be mistaken for a recycled one.
import { statfsSync } from "node:fs";
import { closeFd, openPidfd, pidfdInodeId } from "../sys/index.js";

// PID_FS_MAGIC: before pidfs, pidfds were anonymous inodes that all shared one number.
const PIDFS_MAGIC = 0x50494446;

/** The pidfd ID of a live process, or null when the kernel has no pidfs (or the process is gone). */
export function pidfdId(pid: number): bigint | null {
  let pidfd: number;
  try {
    pidfd = openPidfd(pid);
  } catch {
    return null;
  }
  try {
    if (statfsSync(`/proc/self/fd/${pidfd}`).type !== PIDFS_MAGIC) return null;
    return pidfdInodeId(pidfd);
  } catch {
    return null;
  } finally {
    closeFd(pidfd);
  }
}
