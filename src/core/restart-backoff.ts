// RestartSec= with RestartSteps= and RestartMaxDelaySec= (systemd v254,
// service_restart_usec_next): the delay grows geometrically from RestartSec= to
// RestartMaxDelaySec= over RestartSteps= consecutive automatic restarts.
import type { ServiceSection } from "../units/service-section.js";

type Backoff = Pick<ServiceSection, "restartUsec" | "restartSteps" | "restartMaxDelayUsec">;

/** The delay before the next automatic restart, after `restartsSoFar` of them (NRestarts). */
export function restartDelayUsec(backoff: Backoff, restartsSoFar: number): number {
  const { restartUsec: base, restartSteps: steps, restartMaxDelayUsec: max } = backoff;
  const next = restartsSoFar + 1;
  // Both settings are needed, and a growing delay needs a base above 0 and below the maximum.
  if (next <= 1 || steps === 0 || base === 0 || max === Infinity || base >= max) return base;
  if (next > steps) return max;
  // delay_i = base * (max / base) ^ (i / steps), for the i-th step after the first restart;
  // rounded, so that 1s → 8s in 3 steps is 2s and 4s, not 3.999999s.
  return Math.round(base * Math.pow(max / base, (next - 1) / steps));
}
