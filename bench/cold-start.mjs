#!/usr/bin/env node
// Cold start of the CLI: the whole-process wall time of `lfs-docker generate` (the Dockerfile of the
// default edition on standard output) and `lfs-docker --help`, against `node -e 0` (Node starting and
// doing nothing: the floor every Node CLI pays) as the reference.
//
//   npm run build && node bench/cold-start.mjs [--runs 21]
//
// Each process is started the way the `lfs-docker` bin is (`node dist/src/cli/main.js ...`), its
// output thrown away. The three run in turn in every round, in a rotating order, so that a machine
// busy with something else slows all three alike; the table shows medians, the spread (first and
// third quartile), and each median as a multiple of `node -e 0`'s. The machine's load is printed
// before and after: on a loaded machine compare the ratios, not the times.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { option, quantile } from "./lib.mjs";

const opt = option;
const RUNS = Number(opt("runs", 21));
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs ${opt("runs")}: a whole number of rounds, at least 1`);

const main = fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url));
// `npm run build` precompiles the templates; after `tsc` alone, generate compiles them all at start-up.
const precompiled = fileURLToPath(new URL("../dist/src/render/precompiled-templates.cjs", import.meta.url));
if (!existsSync(main) || !existsSync(precompiled)) throw new Error(`${existsSync(main) ? precompiled : main} is missing: run \`npm run build\` first`);
const CASES = [
  { name: "lfs-docker generate", argv: [main, "generate"] },
  { name: "lfs-docker --help", argv: [main, "--help"] },
  { name: "node -e 0", argv: ["-e", "0"] },
];
const REFERENCE = "node -e 0";

/** Milliseconds from spawning `node argv` to its exit; fails unless it exits 0 with some output. */
function time(c) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.argv, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 2 ** 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw new Error(`${c.name}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status ?? r.signal}: ${r.stderr.toString().slice(0, 2000)}`);
  if (c.name !== REFERENCE && r.stdout.length === 0) throw new Error(`${c.name} printed nothing`);
  return ms;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "unknown"}), load average before: ${load()}`);
time(CASES[0]); // once untimed: the files are in the page cache for every timed round alike
const times = new Map(CASES.map((c) => [c.name, []]));
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < CASES.length; k++) {
    const c = CASES[(round + k) % CASES.length];
    times.get(c.name).push(time(c));
  }
}
console.log(`load average after: ${load()}; ${RUNS} rounds`);
const ref = quantile(times.get(REFERENCE), 0.5);
const rows = CASES.map((c) => {
  const t = times.get(c.name);
  const med = quantile(t, 0.5);
  return [c.name, `${med.toFixed(0)} ms`, `${quantile(t, 0.25).toFixed(0)}-${quantile(t, 0.75).toFixed(0)} ms`, `${(med / ref).toFixed(2)}x`];
});
const head = ["command", "median", "quartiles", `vs ${REFERENCE}`];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [head, ...rows])
  console.log(
    r
      .map((v, i) => v.padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );
