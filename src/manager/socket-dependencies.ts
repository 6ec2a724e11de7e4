// The dependencies systemd adds for socket activation, which unit files do not spell out
// (the job engine only knows what the graph says):
// - a socket unit (Accept=no) is ordered Before= the service it triggers (socket.c
//   socket_add_extras: UNIT_BEFORE + UNIT_TRIGGERS), so `steward up` has the listeners open
//   before the service starts;
// - a service gets Wants= and After= on each unit of its Sockets= (service.c
//   service_add_extras), so starting it starts those sockets first.
// Nothing else: a service whose same-named socket is not running starts without its fds,
// as under systemd.
import type { LoadedUnit } from "../units/loader.js";
import type { UnitModel } from "../units/unit-model.js";
import type { UnitDependencies } from "../units/unit-section.js";

type GraphSource = Pick<LoadedUnit, "name" | "load" | "model">;

function extended(model: UnitModel, extra: Partial<Record<keyof UnitDependencies, readonly string[]>>): UnitModel {
  const dependencies: Record<keyof UnitDependencies, readonly string[]> = { ...model.unit.dependencies };
  for (const [kind, names] of Object.entries(extra) as [keyof UnitDependencies, readonly string[]][]) {
    dependencies[kind] = [...dependencies[kind], ...names.filter((name) => !dependencies[kind].includes(name))];
  }
  return { ...model, unit: { ...model.unit, dependencies } };
}

export function withImplicitSocketDependencies(units: readonly GraphSource[]): GraphSource[] {
  return units.map((unit) => {
    const model = unit.model;
    if (model === null || unit.load !== "loaded") return unit;
    if (model.kind === "socket") {
      return model.socket.accept ? unit : { ...unit, model: extended(model, { before: [model.socket.service] }) };
    }
    const sockets = model.service.sockets;
    return sockets.length === 0 ? unit : { ...unit, model: extended(model, { wants: sockets, after: sockets }) };
  });
}
