// Benchmarks print figures and never fail a test run. They arrive with the
// manager; until then this says so.
console.log("steward benchmarks: none yet (they need the manager, see the issues).");
