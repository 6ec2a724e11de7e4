// Errors thrown by the native layer: `code` is the errno name, `syscall` the call that failed.

export interface SystemCallError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

export function isSystemCallError(error: unknown, code?: string): error is SystemCallError {
  if (!(error instanceof Error)) return false;
  const candidate = error as Partial<SystemCallError>;
  if (typeof candidate.code !== "string" || typeof candidate.syscall !== "string") return false;
  return code === undefined || candidate.code === code;
}
