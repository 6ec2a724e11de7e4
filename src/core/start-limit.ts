// StartLimitIntervalSec= / StartLimitBurst= (systemd's ratelimit_below): at most `burst`
// starts in a window that opens with the first start and lasts `interval`. Every start
// counts, manual or automatic; an interval or burst of 0 turns the limit off.
import type { StartLimitWindow } from "./service-state.js";

export interface StartLimitCheck {
  readonly allowed: boolean;
  readonly window: StartLimitWindow;
}

export function checkStartLimit(window: StartLimitWindow, now: number, intervalUsec: number, burst: number): StartLimitCheck {
  if (intervalUsec === 0 || burst === 0) return { allowed: true, window };
  if (window.begin === null || now - window.begin > intervalUsec) {
    return { allowed: true, window: { begin: now, starts: 1 } };
  }
  const starts = window.starts + 1;
  return { allowed: starts <= burst, window: { begin: window.begin, starts } };
}

/** systemctl reset-failed forgets the history. */
export function emptyStartLimitWindow(): StartLimitWindow {
  return { begin: null, starts: 0 };
}
