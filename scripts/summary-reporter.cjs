// Prints one plain closing line, "tests: N passed, N failed", after jest's own summary.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
