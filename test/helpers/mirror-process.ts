/**
 * A package mirror in a process of its own, so that a test can make it vanish for real (SIGKILL: every
 * connection reset by the kernel, then nothing listening on the port) and bring it back on the same
 * port. Serves the files of a directory flat (`/NAME`), with Range, slowly (CHUNK bytes every
 * INTERVAL ms), so that a kill lands mid-body. Prints one JSON line per event on stdout:
 *   {"listening": PORT}
 *   {"request": NAME, "range": "bytes=N-" | null, "status": 200 | 206 | 404 | 416}
 *   {"sent": NAME, "bytes": N}                    (body bytes so far of the current response)
 *
 *   node dist/test/helpers/mirror-process.js DIR PORT [CHUNK] [INTERVAL_MS]     (PORT 0: any free port)
 *
 * startMirrorProcess() runs it and reads those lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** One parsed line of the mirror's output. */
export type MirrorEvent = { listening: number } | { request: string; range: string | null; status: number } | { sent: string; bytes: number };

export interface MirrorProcess {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Every event so far. */
  readonly events: MirrorEvent[];
  /** Resolves when an event satisfies `test` (checked against past events too). */
  waitFor(test: (e: MirrorEvent) => boolean, timeoutMs?: number): Promise<MirrorEvent>;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
}

const self = fileURLToPath(import.meta.url);

export async function startMirrorProcess(dir: string, port = 0, chunk = 32 * 1024, intervalMs = 20): Promise<MirrorProcess> {
  const child = spawn(process.execPath, [self, dir, String(port), String(chunk), String(intervalMs)], { stdio: ["ignore", "pipe", "inherit"] });
  const events: MirrorEvent[] = [];
  const waiters: { test: (e: MirrorEvent) => boolean; resolve: (e: MirrorEvent) => void }[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let e: MirrorEvent;
    try {
      e = JSON.parse(line) as MirrorEvent;
    } catch {
      return;
    }
    events.push(e);
    for (const w of waiters.splice(0)) {
      if (w.test(e)) w.resolve(e);
      else waiters.push(w);
    }
  });
  const waitFor = (test: (e: MirrorEvent) => boolean, timeoutMs = 30_000): Promise<MirrorEvent> => {
    const past = events.find(test);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`the mirror process did not report the awaited event within ${timeoutMs} ms; events: ${JSON.stringify(events.slice(-5))}`)),
        timeoutMs,
      );
      waiters.push({ test, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  };
  const first = await Promise.race([waitFor((e) => "listening" in e, 15_000), exited.then(() => undefined)]);
  if (!first || !("listening" in first)) throw new Error(`the mirror process exited before it listened (port ${port} taken?)`);
  const p = first.listening;
  return {
    port: p,
    url: `http://127.0.0.1:${p}`,
    child,
    events,
    waitFor,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** The server itself, when this file is run as a program. */
async function serve(dir: string, port: number, chunk: number, intervalMs: number): Promise<void> {
  const http = await import("node:http");
  const { readFile } = await import("node:fs/promises");
  const { join, basename } = await import("node:path");
  const say = (e: MirrorEvent) => process.stdout.write(`${JSON.stringify(e)}\n`);
  const server = http.createServer((req, res) => {
    const name = basename(decodeURIComponent((req.url ?? "/").slice(1)));
    const range = req.headers.range ?? null;
    readFile(join(dir, name)).then(
      (body) => {
        let start = 0;
        const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
        if (m) {
          start = Number(m[1]);
          if (start >= body.length) {
            say({ request: name, range, status: 416 });
            res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
            return;
          }
          res.writeHead(206, {
            "content-length": body.length - start,
            "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
            "accept-ranges": "bytes",
          });
        } else {
          res.writeHead(200, { "content-length": body.length, "accept-ranges": "bytes" });
        }
        say({ request: name, range, status: m ? 206 : 200 });
        let at = start;
        const tick = () => {
          if (res.destroyed) return;
          const end = Math.min(body.length, at + chunk);
          res.write(body.subarray(at, end));
          say({ sent: name, bytes: end - start });
          at = end;
          if (at >= body.length) res.end();
          else setTimeout(tick, intervalMs);
        };
        tick();
      },
      () => {
        say({ request: name, range, status: 404 });
        res.writeHead(404).end("not found\n");
      },
    );
  });
  server.listen(port, "127.0.0.1", () => {
    const address = server.address();
    say({ listening: typeof address === "object" && address ? address.port : port });
  });
}

if (process.argv[1] === self) {
  const [dir, port, chunk, interval] = process.argv.slice(2);
  if (!dir || port === undefined) {
    process.stderr.write("usage: mirror-process.js DIR PORT [CHUNK] [INTERVAL_MS]\n");
    process.exit(2);
  }
  await serve(dir, Number(port), Number(chunk ?? 32 * 1024), Number(interval ?? 20));
}
