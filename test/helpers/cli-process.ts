/**
 * `lfs-docker` as a real child process (dist/src/cli/main.js): its output as it comes, waiting for a
 * line, and its end with the exit code and the time it took.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Seconds from the start to the exit. */
  seconds: number;
}

export interface CliProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when stdout or stderr has shown `text` (rejects when the process ends first or after timeoutMs). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const bin = join(packageRoot(), "dist", "src", "cli", "main.js");
  const t0 = Date.now();
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  child.stdout!.on("data", (d: Buffer) => ((stdout += d.toString()), wake()));
  child.stderr!.on("data", (d: Buffer) => ((stderr += d.toString()), wake()));
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code, signal) => {
      resolve({ code, signal, stdout, stderr, seconds: (Date.now() - t0) / 1000 });
      wake();
    }),
  );
  let ended = false;
  void done.then(() => (ended = true));
  const seen = (text: string | RegExp) => (typeof text === "string" ? stdout.includes(text) || stderr.includes(text) : text.test(stdout) || text.test(stderr));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor: (text, timeoutMs = 300_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`lfs-docker ${args[0]} did not show ${String(text)} within ${timeoutMs / 1000} s:\n${stderr.slice(-3000)}`)),
          timeoutMs,
        );
        const check = () => {
          if (seen(text) || ended) clearTimeout(timer);
          if (seen(text)) resolve();
          else if (ended) reject(new Error(`lfs-docker ${args[0]} ended before it showed ${String(text)}:\n${stderr.slice(-3000)}`));
          else waiters.push(check);
        };
        check();
      }),
    done,
  };
}

/** Run to the end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Rejects when `p` has not settled within `ms`: a call that hangs fails the test instead of stalling it. */
export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms / 1000} s: it hangs`)), ms);
    }),
  ]);
}
