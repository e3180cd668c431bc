#!/usr/bin/env node
// Wall time of the lfs-docker BuildKit driver vs `docker buildx build`, against the same Docker
// Engine, for: a cached no-op build, a 1 GiB context upload, a 1 GiB directory export.
//
//   npx tsc -p tsconfig.json && node bench/buildkit-vs-buildx.mjs [--size-mib 1024] [--runs 3]
//
// Each driver run includes connecting; each buildx run includes the CLI's start-up (that is what
// a user waits for). Uploads use a fresh shared key / fresh context path, so both tools send
// everything; exports run after the content is cached, so they time the export.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const { connect } = await import(new URL('../dist/src/buildkit/index.js', import.meta.url).href);
const run = promisify(execFile);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SIZE_MIB = opt('size-mib', 1024);
const RUNS = opt('runs', 3);

async function timeit(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function median(n, fn) {
  const xs = [];
  for (let i = 0; i < n; i++) xs.push(await fn(i));
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)];
}

async function ours(opts) {
  const client = await connect();
  try {
    await client.solve(opts);
  } finally {
    await client.close();
  }
}

async function buildx(argv) {
  await run('docker', ['buildx', 'build', '--progress=quiet', ...argv], { maxBuffer: 64 * 1024 * 1024 });
}

async function makeBigDir(dir, mib) {
  await mkdir(dir, { recursive: true });
  const fileMiB = 16;
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < Math.ceil(mib / fileMiB); i++) {
    const fh = await open(join(dir, `blob-${String(i).padStart(4, '0')}.bin`), 'w');
    for (let j = 0; j < fileMiB; j++) {
      chunk.writeUInt32LE(i * 1000 + j, 0); // distinct content per MiB
      await fh.write(chunk);
    }
    await fh.close();
  }
}

const base = await mkdtemp(join(tmpdir(), 'bk-bench-'));
const rows = [];
try {
  // --- cached no-op build
  const small = join(base, 'small');
  await mkdir(small);
  await writeFile(join(small, 'f'), 'x');
  const smallDf = 'FROM scratch\nCOPY f /f\n';
  await writeFile(join(small, 'Dockerfile'), smallDf);
  await ours({ context: small, dockerfile: join(small, 'Dockerfile') });
  await buildx([small]);
  rows.push([
    'cached no-op build',
    await median(RUNS, () => timeit(() => ours({ context: small, dockerfile: join(small, 'Dockerfile') }))),
    await median(RUNS, () => timeit(() => buildx([small]))),
  ]);

  // --- 1 GiB context upload (fresh key / fresh path each time, so everything is sent)
  process.stderr.write(`generating ${SIZE_MIB} MiB of context...\n`);
  const big = join(base, 'big-src');
  await makeBigDir(big, SIZE_MIB);
  const bigDf = join(base, 'big.Dockerfile');
  // `COPY` of the context: the daemon must receive every byte; nothing is exported.
  await writeFile(bigDf, 'FROM scratch\nCOPY . /ctx/\n');
  const key = randomUUID(); // new to the daemon: everything is sent
  const oursUpload = await timeit(() => ours({ context: big, dockerfile: bigDf, sharedKey: key }));
  const buildxUpload = await timeit(() => buildx(['-f', bigDf, big]));
  rows.push([`${SIZE_MIB} MiB context upload`, oursUpload, buildxUpload]);

  // --- 1 GiB directory export (content cached now; the upload is incremental for both)
  const oursOut = join(base, 'out-ours');
  const buildxOut = join(base, 'out-buildx');
  const oursExport = await timeit(() =>
    ours({ context: big, dockerfile: bigDf, sharedKey: key, exports: [{ type: 'local', dest: oursOut }] }),
  );
  const buildxExport = await timeit(() => buildx(['-f', bigDf, '-o', `type=local,dest=${buildxOut}`, big]));
  rows.push([`${SIZE_MIB} MiB directory export`, oursExport, buildxExport]);
} finally {
  await rm(base, { recursive: true, force: true });
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad('scenario', 28)}${pad('lfs-docker', 12)}${pad('buildx', 12)}ratio (lfs-docker / buildx)`);
for (const [name, a, b] of rows) {
  console.log(`${pad(name, 28)}${pad(`${a.toFixed(2)}s`, 12)}${pad(`${b.toFixed(2)}s`, 12)}${(a / b).toFixed(2)}`);
}
