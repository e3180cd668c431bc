#!/usr/bin/env node
// The default test run (`npm test`, after tsc): the unit tests in one run of node's test runner (a file
// per core at a time), then each integration file in a run of its own, one after the other (they
// share one engine), and at the end a table of the phases with their seconds and counts, so that a
// slower phase shows in every log.
//
//   node scripts/run-tests.mjs [DIR_OR_FILE ...]      (default: dist/test/unit dist/test/integration/*)
//
// Each phase's rows are also appended to $LFS_PHASES_FILE when set (tab-separated: name, seconds,
// passed, failed), where .ci/run adds its set-up steps and prints the whole table. The last line is
// "tests: N passed, N failed". Exits 1 when a test failed.
import { spawn } from "node:child_process";
import { appendFileSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist", "test");
const phases =
  process.argv.length > 2
    ? process.argv.slice(2).map((p) => ({ name: relative(root, p), paths: [p] }))
    : [
        // The unit files run side by side (pure logic and their own temporary directories); the
        // integration files one at a time, since they share one engine.
        { name: "unit tests", paths: [join(dist, "unit")], concurrency: availableParallelism() },
        ...readdirSync(join(dist, "integration"))
          .filter((f) => f.endsWith(".test.js"))
          .sort()
          .map((f) => ({ name: `integration/${f.replace(/\.js$/, ".ts")}`, paths: [join(dist, "integration", f)] })),
      ];

/** Run node's test runner on the paths; its output goes through, its counts are read from its summary. */
function runPhase(paths, concurrency = 1) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ["--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...paths], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let tail = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
    });
    child.on("close", (code) => {
      const count = (word) => Number(new RegExp(`^\\S* ?${word} (\\d+)$`, "m").exec(tail.replace(/\x1b\[[0-9;]*m/g, ""))?.[1] ?? 0);
      resolve({ seconds: (Date.now() - t0) / 1000, passed: count("pass"), failed: count("fail") + count("cancelled"), code });
    });
  });
}

const rows = [];
for (const phase of phases) {
  const r = await runPhase(phase.paths, phase.concurrency);
  // A run that exits non-zero with no failing test counted (a crash, a load error) still fails.
  const failed = r.code !== 0 && r.failed === 0 ? 1 : r.failed;
  rows.push({ name: phase.name, ...r, failed });
  if (process.env.LFS_PHASES_FILE) appendFileSync(process.env.LFS_PHASES_FILE, `${phase.name}\t${r.seconds.toFixed(1)}\t${r.passed}\t${failed}\n`);
}

const width = Math.max(...rows.map((r) => r.name.length), 5);
console.log(`\n${"phase".padEnd(width)}  seconds  passed  failed`);
for (const r of rows)
  console.log(`${r.name.padEnd(width)}  ${r.seconds.toFixed(1).padStart(7)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}`);
const passed = rows.reduce((a, r) => a + r.passed, 0);
const failed = rows.reduce((a, r) => a + r.failed, 0);
const total = rows.reduce((a, r) => a + r.seconds, 0);
console.log(`${"all tests".padEnd(width)}  ${total.toFixed(1).padStart(7)}  ${String(passed).padStart(6)}  ${String(failed).padStart(6)}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
