// steward's library for services.
export { notify, ready, status, stopping, type NotifyOptions } from "./notify.js";
