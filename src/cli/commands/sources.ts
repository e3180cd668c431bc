import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { EDITIONS } from "../../book/types.js";
import { OptionError } from "../../errors.js";
import type { ProgressOutput } from "../../sources/progress.js";
import type { SourceSelection } from "../../sources/select.js";
import { formatBytes } from "../../text/bytes.js";
import type { Io } from "../io.js";
import { Interrupted } from "../interrupted.js";

interface CommonArgs {
  dir: string;
  release?: string | undefined;
  book?: string | undefined;
  init: string;
  only?: string[] | undefined;
}

interface FetchArgs extends CommonArgs {
  mirror?: string[] | undefined;
  "mirror-first": boolean;
  jobs: number;
  retries: number;
}

interface ListArgs extends CommonArgs {
  json: boolean;
}

const DEFAULT_DIR = "sources";

/** The sources library, loaded when a sources command runs (the other commands start without it). */
const library = () => import("../../sources/index.js");

function withCommon<T>(y: Argv<T>) {
  return y
    .option("dir", { type: "string", default: DEFAULT_DIR, describe: "the sources directory (give it to `build --sources DIR`)" })
    .option("release", { type: "string", describe: "LFS book release (default 12.3)" })
    .option("book", { type: "string", describe: "a book directory of your own in the stages/ format, instead of --release" })
    .option("init", { type: "string", default: "sysv", describe: `book edition (${EDITIONS.join(", ")})` })
    .option("only", { type: "string", array: true, describe: "only these packages, patches or files (book names, any case, or file names)" });
}

function selection(a: CommonArgs): SourceSelection {
  return {
    ...(a.release !== undefined && { release: a.release }),
    ...(a.book !== undefined && { book: a.book }),
    init: a.init,
    ...(a.only !== undefined && { only: a.only.map(String) }),
  };
}

/** Thrown when the user interrupts a fetch; the CLI exits 130. */
class FetchInterrupted extends Interrupted {
  constructor(signal: string, dir: string) {
    super(signal);
    this.message = `interrupted (${signal}): partial downloads are kept as *.part in ${dir} and resumed by the next fetch`;
  }
}

function fetchCommand(io: Io): CommandModule<object, FetchArgs> {
  return {
    command: "fetch",
    describe: "download every tarball and patch of the book into --dir, verified (MD5 + SHA-256 lock), resuming partial files",
    builder: async (y) => {
      const { DEFAULT_JOBS } = await library();
      return withCommon(y)
        .option("mirror", { type: "string", array: true, describe: "base URL of a mirror holding the files flat (${mirror}/${file}); repeatable" })
        .option("mirror-first", { type: "boolean", default: false, describe: "try the mirrors before the book's own addresses" })
        .option("jobs", { alias: "j", type: "number", default: DEFAULT_JOBS, describe: "parallel transfers" })
        .option("retries", { type: "number", default: 3, describe: "further attempts at one address after a failure (exponential back-off)" })
        .example("$0 sources fetch --dir sources", "fetch the sysv edition's files into ./sources")
        .example("$0 sources fetch --mirror https://mirror.example.org/lfs/12.3 --mirror-first", "prefer a mirror") as never;
    },
    handler: async (args) => {
      const { createFetchProgress, fetchSources } = await library();
      for (const [flag, v] of [
        ["--jobs", args.jobs],
        ["--retries", args.retries],
      ] as const) {
        if (Number.isNaN(v)) throw new OptionError(flag, "not a number", "a whole number");
      }
      const dir = resolve(args.dir);
      const progress = createFetchProgress(io.stderr as ProgressOutput);
      const controller = new AbortController();
      let interrupted: string | undefined;
      const onSignal = (sig: NodeJS.Signals) => {
        interrupted = sig;
        controller.abort(new Error(`interrupted (${sig})`));
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const r = await fetchSources({
          ...selection(args),
          dir,
          mirrors: (args.mirror ?? []).map(String),
          mirrorFirst: args["mirror-first"],
          jobs: args.jobs,
          retries: args.retries,
          signal: controller.signal,
          onProgress: progress.onProgress,
        });
        progress.close();
        io.stdout.write(
          `${r.dir}: ${r.files.length} files verified (${r.downloaded} downloaded, ${formatBytes(r.bytes)}; ${r.present} already there); SHA-256 lock ${r.lockFile}\n`,
        );
      } catch (err) {
        if (interrupted) throw new FetchInterrupted(interrupted, dir);
        throw err;
      } finally {
        progress.close();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    },
  };
}

function verifyCommand(io: Io): CommandModule<object, CommonArgs> {
  return {
    command: "verify",
    describe: "check a sources directory: every file there, matching the book's MD5 and the SHA-256 lock",
    builder: (y) => withCommon(y) as never,
    handler: async (args) => {
      const { formatVerifyFailures, lockPath, readLock, selectSources, SourcesError, verifySources } = await library();
      const dir = resolve(args.dir);
      const files = selectSources(selection(args));
      if (!existsSync(dir) || !statSync(dir).isDirectory())
        throw new OptionError("--dir", args.dir, "an existing directory (fill it with `lfs-docker sources fetch`)");
      const lock = await readLock(dir);
      const results = await verifySources(dir, files, { lock: lock ?? null });
      const bad = results.filter((r) => r.status !== "ok");
      if (bad.length > 0) {
        throw new SourcesError(
          "E_SOURCES_VERIFY",
          `${bad.length} of ${results.length} files in ${dir} failed verification:\n${formatVerifyFailures(results)}`,
          { file: dir },
        );
      }
      const unlocked = results.filter((r) => !r.locked).length;
      if (!lock)
        io.stderr.write(
          `lfs-docker: note: ${lockPath(dir)} does not exist: checked against the book's MD5 only (run \`lfs-docker sources fetch\` to write it)\n`,
        );
      else if (unlocked > 0)
        io.stderr.write(`lfs-docker: note: ${unlocked} files are not in ${lockPath(dir)} (run \`lfs-docker sources fetch\` to add them)\n`);
      io.stdout.write(`${dir}: all ${results.length} files match the book's MD5${lock ? `; ${results.length - unlocked} also the lock's SHA-256` : ""}\n`);
    },
  };
}

function listCommand(io: Io): CommandModule<object, ListArgs> {
  return {
    command: "list",
    describe: "the files of the book: name, version, file, URL, MD5 (and SHA-256 from the lock in --dir)",
    builder: (y) => withCommon(y).option("json", { type: "boolean", default: false, describe: "print JSON" }) as never,
    handler: async (args) => {
      const { readLock, selectSources } = await library();
      const files = selectSources(selection(args));
      const lock = await readLock(resolve(args.dir));
      const rows = files.map((f) => {
        const sha256 = lock?.files[f.file]?.md5 === f.md5.toLowerCase() ? lock.files[f.file]?.sha256 : undefined;
        return { kind: f.kind, name: f.name, version: f.version, file: f.file, url: f.url, md5: f.md5, ...(sha256 !== undefined && { sha256 }) };
      });
      if (args.json) {
        io.stdout.write(JSON.stringify(rows, null, 1) + "\n");
        return;
      }
      const keys = ["name", "version", "file", "url", "md5", ...(rows.some((r) => "sha256" in r) ? ["sha256"] : [])];
      const cell = (r: Record<string, string | undefined>, k: string) => r[k] || "-";
      const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r, k).length)));
      const line = (vals: string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!))).join("  ");
      io.stdout.write(line(keys.map((k) => k.toUpperCase())) + "\n");
      for (const r of rows) io.stdout.write(line(keys.map((k) => cell(r, k))) + "\n");
    },
  };
}

export function sourcesCommand(io: Io): CommandModule<object, object> {
  return {
    command: "sources",
    describe: "the book's tarballs and patches: fetch (download, resume, mirrors, verify), verify a directory, list",
    builder: (y) =>
      y
        .command(fetchCommand(io))
        .command(verifyCommand(io))
        .command(listCommand(io))
        .demandCommand(1, "name a sources command: fetch, verify or list") as never,
    handler: () => undefined,
  };
}
