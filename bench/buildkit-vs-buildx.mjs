#!/usr/bin/env node
// Wall time of the lfs-docker BuildKit driver vs `docker buildx build`, against the same Docker
// Engine, for: a cached no-op build, a 1 GiB context upload, a 1 GiB directory export.
//
//   npx tsc -p tsconfig.json && node bench/buildkit-vs-buildx.mjs [--size-mib 1024] [--runs 3]
//        [--only noop,upload,export] [--tool both|ours|buildx]
//
// Each driver run includes connecting; each buildx run includes the CLI's start-up (that is what
// a user waits for). The two tools run alternately (ours first in odd runs, buildx first in even
// ones) so that a machine busy with something else slows both alike; the table shows medians and
// every run. Uploads use a fresh shared key (ours) / a freshly renamed context directory (buildx,
// whose key derives from the path), so both send everything; exports run after the content is
// cached, so they time the export.
//
// Every upload leaves a ~1 GiB record in the engine's build cache; the bench removes the records
// it made (big local-source and COPY records created since it started, not in use) after each
// upload run and at the end, and nothing else.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { option, timeit, median, makeBigDir, recordsMadeFrom } from "./lib.mjs";

const { connect } = await import(new URL("../dist/src/buildkit/index.js", import.meta.url).href);
const run = promisify(execFile);

const opt = option;
const SIZE_MIB = Number(opt("size-mib", 1024));
const RUNS = Number(opt("runs", 3));
const ONLY = new Set(String(opt("only", "noop,upload,export")).split(","));
const TOOL = String(opt("tool", "both"));

async function ours(opts) {
  const client = await connect();
  try {
    await client.solve(opts);
  } finally {
    await client.close();
  }
}

async function buildx(argv) {
  await run("docker", ["buildx", "build", "--progress=quiet", ...argv], { maxBuffer: 64 * 1024 * 1024 });
}

/** Runs `a` (ours) and `b` (buildx) RUNS times each, alternating which goes first. */
async function alternate(name, a, b) {
  const as = [];
  const bs = [];
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 === 0 ? ["a", "b"] : ["b", "a"];
    for (const which of order) {
      if (which === "a" && TOOL !== "buildx") as.push(await a(i));
      if (which === "b" && TOOL !== "ours") bs.push(await b(i));
    }
    process.stderr.write(`${name} run ${i + 1}: ours ${as.at(-1)?.toFixed(2) ?? "-"} s, buildx ${bs.at(-1)?.toFixed(2) ?? "-"} s\n`);
  }
  rows.push([name, as, bs]);
}

const base = await mkdtemp(join(tmpdir(), "bk-bench-"));
const rows = [];
const removeMine = await recordsMadeFrom(connect);

/**
 * Removes the big cache records this bench made (see the header): the uploads' local-source
 * records after each run, the COPY result (shared by all runs) only at the end.
 */
async function cleanUp(final = false) {
  await removeMine(
    (r, last) => r.size >= SIZE_MIB * 1024 * 1024 * 0.9 && (r.description === "local source for context" || (last && r.description === "[1/1] COPY . /ctx/")),
    final,
  );
}
try {
  if (ONLY.has("noop")) {
    const small = join(base, "small");
    await mkdir(small);
    await writeFile(join(small, "f"), "x");
    await writeFile(join(small, "Dockerfile"), "FROM scratch\nCOPY f /f\n");
    await ours({ context: small, dockerfile: join(small, "Dockerfile") });
    await buildx([small]);
    await alternate(
      "cached no-op build",
      () => timeit(() => ours({ context: small, dockerfile: join(small, "Dockerfile") })),
      () => timeit(() => buildx([small])),
    );
  }

  if (ONLY.has("upload") || ONLY.has("export")) {
    process.stderr.write(`generating ${SIZE_MIB} MiB of context...\n`);
    let big = join(base, "big-src");
    await makeBigDir(big, SIZE_MIB);
    const bigDf = join(base, "big.Dockerfile");
    // `COPY` of the context: the daemon must receive every byte; nothing is exported.
    await writeFile(bigDf, "FROM scratch\nCOPY . /ctx/\n");
    let key = randomUUID();
    let n = 0;
    const fresh = async () => {
      const next = join(base, `big-src-${++n}`);
      await rename(big, next);
      big = next;
    };
    if (ONLY.has("upload")) {
      await alternate(
        `${SIZE_MIB} MiB context upload`,
        () => {
          key = randomUUID(); // new to the daemon: everything is sent
          return timeit(() => ours({ context: big, dockerfile: bigDf, sharedKey: key }));
        },
        async () => {
          await fresh(); // a new path: a new key for buildx, everything is sent
          const t = await timeit(() => buildx(["-f", bigDf, big]));
          await cleanUp();
          return t;
        },
      );
    }
    if (ONLY.has("export")) {
      // Content cached for both (the upload is incremental, nothing changed).
      await ours({ context: big, dockerfile: bigDf, sharedKey: key });
      await buildx(["-f", bigDf, big]);
      await alternate(
        `${SIZE_MIB} MiB directory export`,
        async (i) => {
          const out = join(base, `out-ours-${i}`);
          const t = await timeit(() => ours({ context: big, dockerfile: bigDf, sharedKey: key, exports: [{ type: "local", dest: out }] }));
          await rm(out, { recursive: true, force: true });
          return t;
        },
        async (i) => {
          const out = join(base, `out-buildx-${i}`);
          const t = await timeit(() => buildx(["-f", bigDf, "-o", `type=local,dest=${out}`, big]));
          await rm(out, { recursive: true, force: true });
          return t;
        },
      );
    }
  }
} finally {
  await rm(base, { recursive: true, force: true });
  await cleanUp(true);
}

const pad = (s, n) => String(s).padEnd(n);
const fmt = (xs) => (xs.length ? `${median(xs).toFixed(2)}s` : "-");
console.log(`${pad("scenario", 28)}${pad("lfs-docker", 12)}${pad("buildx", 12)}${pad("ratio", 8)}runs (ours | buildx)`);
for (const [name, a, b] of rows) {
  const ratio = a.length && b.length ? (median(a) / median(b)).toFixed(2) : "-";
  console.log(
    `${pad(name, 28)}${pad(fmt(a), 12)}${pad(fmt(b), 12)}${pad(ratio, 8)}${a.map((x) => x.toFixed(2)).join(" ")} | ${b.map((x) => x.toFixed(2)).join(" ")}`,
  );
}
