#!/usr/bin/env node
// Throughput of `lfs-docker sources fetch` (the library's fetchSources, MD5 + SHA-256 verification on,
// as the product runs it) against `wget -i LIST` (or `curl` when wget is missing), downloading the same
// generated files from a local HTTP server on 127.0.0.1.
//
//   npx tsc -p tsconfig.json && node bench/sources-fetch.mjs
//
// Environment: BENCH_FILES (default 8), BENCH_FILE_MIB (default 128), BENCH_JOBS (lfs-docker's parallel
// transfers, default 4), BENCH_RUNS (default 1; medians are shown). The server is a separate Node process
// (so its work does not share lfs-docker's event loop) serving the files from a temporary directory with
// Range support; every temporary file is removed at the end. Rows:
//   wget / curl             one connection, files in turn, no verification
//   wget + md5sum -c        the same, then the MD5 check lfs-docker does
//   lfs-docker jobs=1       one transfer at a time, MD5 + SHA-256 computed while writing
//   lfs-docker jobs=N       N transfers at once (the default is 4)
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { median, timeit } from "./lib.mjs";

const { fetchSources } = await import(new URL("../dist/src/index.js", import.meta.url).href);
const exec = promisify(execFile);

const FILES = Number(process.env.BENCH_FILES ?? 8);
const FILE_MIB = Number(process.env.BENCH_FILE_MIB ?? 128);
const JOBS = Number(process.env.BENCH_JOBS ?? 4);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const TOTAL = FILES * FILE_MIB * 2 ** 20;

const SERVER = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const dir = process.argv[1];
const server = http.createServer((req, res) => {
  const file = path.join(dir, path.basename(decodeURIComponent(req.url.split('?')[0])));
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404).end(); return; }
    const m = /^bytes=(\\d+)-$/.exec(req.headers.range || '');
    const start = m ? Number(m[1]) : 0;
    if (start >= st.size && st.size > 0) { res.writeHead(416, { 'content-range': 'bytes */' + st.size }).end(); return; }
    res.writeHead(m ? 206 : 200, { 'content-length': st.size - start, 'accept-ranges': 'bytes',
      ...(m && { 'content-range': 'bytes ' + start + '-' + (st.size - 1) + '/' + st.size }) });
    fs.createReadStream(file, { start, highWaterMark: 1 << 20 }).pipe(res);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function which(cmd) {
  try {
    await exec("sh", ["-c", `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

async function makeFile(path, bytes) {
  const md5 = createHash("md5");
  const fh = await open(path, "w");
  try {
    const chunk = 4 * 2 ** 20;
    for (let done = 0; done < bytes; done += chunk) {
      const b = randomBytes(Math.min(chunk, bytes - done));
      md5.update(b);
      await fh.write(b);
    }
  } finally {
    await fh.close();
  }
  return md5.digest("hex");
}

const root = await mkdtemp(join(tmpdir(), "lfs-docker-bench-sources-"));
let server;
try {
  const served = join(root, "served");
  await mkdir(served);
  const files = [];
  process.stderr.write(`generating ${FILES} files of ${FILE_MIB} MiB in ${served}...\n`);
  for (let i = 0; i < FILES; i++) {
    const file = `bench-${i}.tar.xz`;
    files.push({ kind: "package", name: `Bench${i}`, version: "1", file, md5: await makeFile(join(served, file), FILE_MIB * 2 ** 20), edition: "both" });
  }

  server = spawn(process.execPath, ["-e", SERVER, served], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    server.stdout.once("data", (d) => resolve(Number(String(d).trim())));
    server.once("exit", (code) => reject(new Error(`the server exited (${code})`)));
  });
  const base = `http://127.0.0.1:${port}`;
  for (const f of files) f.url = `${base}/${f.file}`;
  await writeFile(join(root, "list"), files.map((f) => f.url).join("\n") + "\n");
  await writeFile(join(root, "md5sums"), files.map((f) => `${f.md5}  ${f.file}`).join("\n") + "\n");

  const hasWget = await which("wget");
  const hasCurl = await which("curl");
  if (!hasWget && !hasCurl) throw new Error("neither wget nor curl is installed");
  const other = hasWget ? "wget" : "curl";
  const otherFetch = async (dir) => {
    await mkdir(dir);
    if (hasWget) await exec("wget", ["-q", "-i", join(root, "list"), "-P", dir]);
    else await exec("curl", ["-sS", "--fail", "--parallel-max", "1", "--remote-name-all", ...files.map((f) => f.url)], { cwd: dir });
  };

  const rows = [
    [`${other} -i list (no verification)`, (dir) => otherFetch(dir)],
    [
      `${other} + md5sum -c`,
      async (dir) => {
        await otherFetch(dir);
        await exec("md5sum", ["--quiet", "-c", join(root, "md5sums")], { cwd: dir });
      },
    ],
    ["lfs-docker jobs=1 (MD5+SHA-256)", (dir) => fetchSources({ dir, files, jobs: 1 })],
    [`lfs-docker jobs=${JOBS} (MD5+SHA-256)`, (dir) => fetchSources({ dir, files, jobs: JOBS })],
  ];
  const times = rows.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, [name, fn]] of rows.entries()) {
      const dir = join(root, `out-${run}-${i}`);
      times[i].push(await timeit(() => fn(dir)));
      await rm(dir, { recursive: true, force: true });
      process.stderr.write(`  ${name}: ${times[i].at(-1).toFixed(2)} s\n`);
    }
  }

  const mib = TOTAL / 2 ** 20;
  const ref = median(times[0]);
  console.log(`\n${FILES} files x ${FILE_MIB} MiB = ${(mib / 1024).toFixed(2)} GiB from 127.0.0.1, ${RUNS} run(s), medians; node ${process.version}\n`);
  console.log(`${"tool".padEnd(40)} ${"wall s".padStart(8)} ${"MiB/s".padStart(8)} ${`vs ${other}`.padStart(9)}   every run (s)`);
  for (const [i, [name]] of rows.entries()) {
    const t = median(times[i]);
    console.log(
      `${name.padEnd(40)} ${t.toFixed(2).padStart(8)} ${(mib / t).toFixed(0).padStart(8)} ${(t / ref).toFixed(2).padStart(8)}x   ${times[i].map((x) => x.toFixed(2)).join(" ")}`,
    );
  }
} finally {
  server?.kill();
  await rm(root, { recursive: true, force: true });
}
