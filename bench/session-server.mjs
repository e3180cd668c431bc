#!/usr/bin/env node
// The BuildKit session served by Node's own `http2` server ("http2": http2.createServer() +
// emit('connection', socket), gRPC framing kept thin: the session's server) vs grpc-js's server
// through its connection injector ("grpc-js"), on the same hijacked connection (Docker Engine's
// POST /session), the same engine, the same service handlers: a 1 GiB named context uploaded to
// the daemon (`COPY --from=NAME`), and a 1 GiB `type=local` export of it.
//
// Until commit bb06dc2 the session had a hand-written HTTP/2 server ("own", session/h2server.ts
// and hpack.ts); there this bench compares all three (`--servers own,http2,grpc-js`). It was
// removed when the bench showed it no faster than node:http2 (README, Benchmarks).
//
//   npm run build && node bench/session-server.mjs [--size-mib 1024] [--runs 5]
//        [--only upload,export] [--servers http2,grpc-js] [--transport engine|raw]
//
// --transport raw takes the session through Control.Session on a connection of its own (a
// `POST /grpc` upgrade, ./src/buildkit/session/rawstream.ts), the path used with buildkitd: the
// inner connection is then a JS Duplex fed by the outer stream's messages, not a socket.
//
// The server is picked per build with LFS_DOCKER_SESSION_SERVER (a switch for this bench only).
// Rounds are interleaved: each round runs every server once, starting with a different one each
// round, so that a machine busy with something else slows all alike; the table shows medians of
// wall time and of this process's CPU time (user + system), and every run. Uploads use a fresh
// shared key each run (everything is sent); exports run after the content is cached.
//
// Every upload leaves a ~1 GiB local-source record in the engine's build cache; the bench removes
// the records it made (named after its own context, created since it started, not in use; the
// engine may report their size as 0) after each upload and at the end, and nothing else.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { option, median, makeBigDir, recordsMadeFrom } from "./lib.mjs";

const { connect } = await import(new URL("../dist/src/buildkit/index.js", import.meta.url).href);

const opt = option;
const SIZE_MIB = Number(opt("size-mib", 1024));
const RUNS = Number(opt("runs", 5));
const ONLY = new Set(String(opt("only", "upload,export")).split(","));
const SERVERS = String(opt("servers", "http2,grpc-js")).split(",");
const TRANSPORT = String(opt("transport", "engine"));
const NAME = "session-bench"; // the named context; its cache records carry this name

/** Wall and CPU seconds of one build with the given server. */
async function timed(server, opts) {
  process.env.LFS_DOCKER_SESSION_SERVER = server;
  process.env.LFS_DOCKER_SESSION_TRANSPORT = TRANSPORT;
  const client = await connect();
  try {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const result = await client.solve(opts);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    if (result.sessionTransport !== TRANSPORT) throw new Error(`session went over ${result.sessionTransport}, not ${TRANSPORT}`);
    return { wall, cpu: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await client.close();
  }
}

const removeMine = await recordsMadeFrom(connect);

/** Removes this bench's big records: its named context's local sources (and at the end its COPY). */
async function cleanUp(final = false) {
  await removeMine((r, last) => r.description === `local source for ${NAME}` || (last && String(r.description).includes(`--from=${NAME}`)), final);
}

/** RUNS rounds; each runs every server once, the first server rotating. */
async function rounds(name, fn) {
  const got = Object.fromEntries(SERVERS.map((s) => [s, []]));
  for (let i = 0; i < RUNS; i++) {
    const order = SERVERS.map((_, k) => SERVERS[(i + k) % SERVERS.length]);
    for (const s of order) got[s].push(await fn(s, i));
    process.stderr.write(`${name} round ${i + 1}: ${SERVERS.map((s) => `${s} ${got[s].at(-1).wall.toFixed(2)} s`).join(", ")}\n`);
  }
  rows.push([name, got]);
}

const base = await mkdtemp(join(tmpdir(), "session-bench-"));
const rows = [];
try {
  process.stderr.write(`generating ${SIZE_MIB} MiB of context...\n`);
  const big = join(base, "big");
  await makeBigDir(big, SIZE_MIB);
  const ctx = join(base, "ctx");
  await mkdir(ctx);
  // The daemon must receive every byte of the named context; the result is the context.
  await writeFile(join(ctx, "Dockerfile"), `FROM scratch\nCOPY --from=${NAME} . /data/\n`);
  const build = (key, extra = {}) => ({ context: ctx, namedContexts: { [NAME]: big }, sharedKey: key, ...extra });
  let key = randomUUID();
  await timed(SERVERS[0], build(key)); // the COPY's result is cached from here on: uploads time the upload

  if (ONLY.has("upload")) {
    await rounds(`${SIZE_MIB} MiB named-context upload`, async (server) => {
      key = randomUUID(); // new to the daemon: everything is sent
      const t = await timed(server, build(key));
      await cleanUp();
      return t;
    });
  }
  if (ONLY.has("export")) {
    await timed(SERVERS[0], build(key)); // content cached under the last key: nothing to send
    await rounds(`${SIZE_MIB} MiB type=local export`, async (server, i) => {
      const out = join(base, `out-${server}-${i}`);
      const t = await timed(server, build(key, { exports: [{ type: "local", dest: out }] }));
      await rm(out, { recursive: true, force: true });
      return t;
    });
  }
} finally {
  delete process.env.LFS_DOCKER_SESSION_SERVER;
  delete process.env.LFS_DOCKER_SESSION_TRANSPORT;
  await rm(base, { recursive: true, force: true });
  await cleanUp(true);
}

const pad = (s, n) => String(s).padEnd(n);
const [ref, ...others] = SERVERS;
console.log(
  `session over ${TRANSPORT}: median wall time (CPU time of this process) of ${RUNS} interleaved rounds; ratio = other / ${ref} (above 1: ${ref} faster)`,
);
console.log(`${pad("scenario", 32)}${SERVERS.map((s) => pad(s, 18)).join("")}${others.map((s) => pad(`${s}/${ref}`, 18)).join("")}`);
for (const [name, got] of rows) {
  const wall = (s) => median(got[s].map((t) => t.wall));
  const cpu = (s) => median(got[s].map((t) => t.cpu));
  const cells = SERVERS.map((s) => pad(`${wall(s).toFixed(2)}s (${cpu(s).toFixed(2)}s)`, 18));
  const ratios = others.map((s) => pad(`${(wall(s) / wall(ref)).toFixed(2)} (${(cpu(s) / cpu(ref)).toFixed(2)})`, 18));
  console.log(`${pad(name, 32)}${cells.join("")}${ratios.join("")}`);
}
console.log("every run, wall s:");
for (const [name, got] of rows) {
  console.log(`  ${name}: ${SERVERS.map((s) => `${s} ${got[s].map((t) => t.wall.toFixed(2)).join(" ")}`).join(" | ")}`);
}
