// Service output capture and storage: pipes in, lines with timestamps out, bounded on disk.
export { EchoSink, unitColour, wantsColour, type EchoOptions, type EchoTarget } from "./echo-sink.js";
export { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./line-splitter.js";
export { DEFAULT_PARTIAL_LINE_IDLE_MS, LogCapture, type LogAppender, type LogCaptureOptions } from "./log-capture.js";
export { stampNow, systemClock, systemTimers, type LogClock, type LogTimer, type LogTimers } from "./log-clock.js";
export {
  DEFAULT_MAX_FILE_BYTES, DEFAULT_ROTATED_FILES, logFilePath, readLogTail, type LogFileLimits, type LogFileProblem,
} from "./log-file.js";
export {
  compareLogRecords, decodeLogLine, encodeLogLine, type CapturedStream, type LogRecord, type LogStream, type UnitLogRecord,
} from "./log-record.js";
export { LogRegistry, defaultLogDirectory, type LogRegistryOptions, type UnitLogFollower } from "./log-registry.js";
export { DEFAULT_MEMORY_LINES, DEFAULT_STATUS_LINES, LogStore, type LogFollower, type LogStoreOptions } from "./log-store.js";
