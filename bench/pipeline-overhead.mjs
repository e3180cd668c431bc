#!/usr/bin/env node
// The cost of one container layer per book section: a range of sections (default chapter 6, 6.2 to
// 6.18) built as lfs-docker generates them (a RUN per section) and as the same scripts run back to
// back in one RUN (one container), in one run, on the same engine, through lfs-docker's BuildKit
// client. Prints each way's seconds (the sections' steps as BuildKit timed them, and the solve's wall
// clock) and the ratio.
//
//   npx tsc -p tsconfig.json && node bench/pipeline-overhead.mjs --sources DIR \
//       [--from 6.2] [--to 6.18] [--runs 1] [--print] [--init sysv] [--arch x86_64] [--host-image lfs-docker/host:bookworm]
//
// DIR holds the book's sources (a proof build's sources directory does: scripts/proof-build.mjs).
// What comes before --from is taken from BuildKit's cache when an earlier build (a proof build) left
// it there, else built first, once, and not counted. Both ways then run with nothing of the range
// cached: a RUN that does nothing and names this run goes before the range in the per-section way
// (its 0.x s are counted against it), and the one-container RUN names this run in its script.
// Between sections, the one container removes what the section unpacked, as the book does; in the
// per-section way each section's sources directory is its RUN's own tmpfs.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { median, option } from "./lib.mjs";

const lib = await import(new URL("../dist/src/index.js", import.meta.url).href);

const sources = option("sources");
if (!sources) {
  console.error("usage: node bench/pipeline-overhead.mjs --sources DIR [--from 6.2] [--to 6.18] [--init sysv] [--arch x86_64] [--host-image IMAGE]");
  process.exit(2);
}
const from = option("from", "6.2");
const to = option("to", "6.18");
const model = lib.buildModel({
  until: to,
  init: option("init", "sysv"),
  arch: option("arch", "x86_64"),
  hostImage: option("host-image", process.env.LFS_HOST_IMAGE ?? "lfs-docker/host:bookworm"),
  isoImage: option("iso-image", process.env.LFS_ISO_IMAGE ?? "lfs-docker/iso:bookworm"),
});
const lines = model.dockerfile.split("\n");
const sectionKey = (s) => s.split(".").map(Number);
const inRange = (s) => {
  if (s === undefined) return false;
  const [c, n] = sectionKey(s);
  const [fc, fn] = sectionKey(from);
  const [tc, tn] = sectionKey(to);
  return (c > fc || (c === fc && n >= fn)) && (c < tc || (c === tc && n <= tn));
};
const range = model.layout.steps.filter((s) => inRange(s.section));
if (range.length === 0 || range.some((s) => s.stage !== range[0].stage || s.instruction !== "RUN")) {
  console.error(`pipeline-overhead: ${from} to ${to} must be book sections run in one stage (found ${range.length} steps)`);
  process.exit(2);
}
const first = range[0].firstLine;
const last = range.at(-1).lastLine;

/** A RUN's flags (one per continuation line) and its heredoc body. */
function parseRun(step) {
  const text = lines.slice(step.firstLine, step.lastLine + 1);
  const open = text.findIndex((l) => /<<'END_OF_SECTION'\s*$/.test(l));
  const flags = text
    .slice(0, open + 1)
    .join(" ")
    .replace(/\\/g, " ")
    .split(/\s+/)
    .filter((w) => w.startsWith("--"));
  return { flags, body: text.slice(open + 1, -1) };
}

// The per-section way: lfs-docker's Dockerfile with a RUN naming this run before the range.
const perSection = (nonce) => [...lines.slice(0, first), `RUN : per-section ${nonce}`, ...lines.slice(first, last + 1)].join("\n") + "\n";
// The one-container way: the range's RUNs as one, each section's script in a subshell, its unpacked
// directory removed after it (the book's `rm -rf`), their mounts together.
const runs = range.map(parseRun);
const flags = [...new Set(runs.flatMap((r) => r.flags))];
const body = (nonce) => [
  `# one container ${nonce}`,
  "set -euo pipefail",
  ...runs.flatMap((r) => ["(", ...r.body, ")", 'find "$LFS/sources" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +']),
];
const oneContainer = (nonce) =>
  [...lines.slice(0, first), `RUN ${flags.join(" \\\n    ")} \\\n    <<'END_OF_SECTION'`, ...body(nonce), "END_OF_SECTION"].join("\n") + "\n";

if (process.argv.includes("--print")) {
  // The two Dockerfiles' differing ends, to read before spending the time.
  process.stdout.write(perSection("NONCE").split("\n").slice(first).join("\n") + "\n----\n" + oneContainer("NONCE").split("\n").slice(first).join("\n"));
  process.exit(0);
}

async function solve(label, dockerfileText) {
  const client = await lib.connectBuilder(lib.resolveBuilder({ platform: model.options.arch.platform }));
  const steps = new Map();
  const t0 = Date.now();
  try {
    await client.solve({
      dockerfileText,
      context, // empty: the Dockerfile reads nothing from its context
      namedContexts: { sources: resolve(sources) },
      platforms: [model.options.arch.platform],
      onEvent: (e) => {
        if (e.type === "vertex-completed" && !e.vertex.cached) steps.set(e.vertex.digest, { name: e.vertex.name, seconds: e.durationMs / 1000 });
      },
    });
  } finally {
    await client.close();
  }
  const wall = (Date.now() - t0) / 1000;
  // Only the range (and the per-section way's RUN before it) is not cached in its stage.
  const mine = [...steps.values()].filter((s) => s.name.startsWith(`[${range[0].stage} `) && !/\] FROM /.test(s.name));
  const counted = mine.reduce((n, s) => n + s.seconds, 0);
  process.stderr.write(`${label}: ${mine.length} steps, ${counted.toFixed(1)} s in them, ${wall.toFixed(1)} s wall\n`);
  return { counted, wall };
}

const context = mkdtempSync(join(tmpdir(), "lfs-docker-bench-context-"));
process.on("exit", () => rmSync(context, { recursive: true, force: true }));
// What comes before the range, from the cache (or built once, not counted).
process.stderr.write(`pipeline-overhead: ${range.length} sections (${range[0].section} to ${range.at(-1).section}); the steps before them first\n`);
await solve("before the range", [...lines.slice(0, first)].join("\n") + "\n");
// RUNS rounds, alternating which way goes first; each round names itself, so nothing of it is cached.
const RUNS = Number(option("runs", 1));
const as = [];
const bs = [];
for (let i = 0; i < RUNS; i++) {
  const nonce = randomUUID();
  for (const way of i % 2 === 0 ? ["a", "b"] : ["b", "a"]) {
    if (way === "a") as.push(await solve(`round ${i + 1}, a RUN per section (lfs-docker)`, perSection(nonce)));
    else bs.push(await solve(`round ${i + 1}, one container`, oneContainer(nonce)));
  }
}
const a = { counted: median(as.map((x) => x.counted)), wall: median(as.map((x) => x.wall)) };
const b = { counted: median(bs.map((x) => x.counted)), wall: median(bs.map((x) => x.wall)) };
console.log(`sections ${range[0].section}-${range.at(-1).section} (${range.length}), median of ${RUNS}   per section (lfs-docker)   one container   ratio`);
console.log(`steps' seconds            ${a.counted.toFixed(1).padStart(24)}   ${b.counted.toFixed(1).padStart(13)}   ${(a.counted / b.counted).toFixed(3)}`);
console.log(`solve wall clock          ${a.wall.toFixed(1).padStart(24)}   ${b.wall.toFixed(1).padStart(13)}   ${(a.wall / b.wall).toFixed(3)}`);
