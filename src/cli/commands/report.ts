import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, linkSync, lstatSync, openSync, readSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { CommandModule } from "yargs";
import { OptionError } from "../../errors.js";
import type { BuildReport } from "../../report/build-report.js";
import type { Io } from "../io.js";

interface ReportArgs {
  file: string;
  html?: string | undefined;
  title?: string | undefined;
  force: boolean;
}

/** A build-report.json of a whole book is some 100 kB: anything past this is not one. */
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;

const ACCEPTED = "a build-report.json written by `lfs-docker build`";

const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

/** Read and check a saved build-report.json; every failure is an OptionError naming the file. */
export async function readReportFile(file: string): Promise<BuildReport> {
  const { parseBuildReport, ReportFormatError } = await import("../../report/parse.js");
  let fd: number;
  try {
    // Non-blocking: a FIFO named here is refused below instead of waiting for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new OptionError("report", file, ACCEPTED, code(err));
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new OptionError("report", file, ACCEPTED, "not a regular file");
    if (st.size > MAX_REPORT_BYTES) throw new OptionError("report", file, ACCEPTED, `${st.size} bytes, more than a report's ${MAX_REPORT_BYTES}`);
    // The size was looked at before the read: read no more than the bound all the same.
    const buf = Buffer.alloc(Math.min(st.size, MAX_REPORT_BYTES) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_REPORT_BYTES) throw new OptionError("report", file, ACCEPTED, `more than a report's ${MAX_REPORT_BYTES} bytes`);
    text = buf.toString("utf8", 0, n);
  } catch (err) {
    if (err instanceof OptionError) throw err;
    throw new OptionError("report", file, ACCEPTED, code(err));
  } finally {
    closeSync(fd);
  }
  try {
    return parseBuildReport(text);
  } catch (err) {
    if (err instanceof ReportFormatError) throw new OptionError("report", file, ACCEPTED, err.message);
    throw err;
  }
}

/**
 * Write `text` as `file` through a new temporary name beside it (created exclusively: never through
 * a link planted there). Without `force` the name is claimed with link(2), which fails when anything,
 * even a dangling symlink, has it; with `force` rename(2) replaces the file, or the link itself, and
 * never writes through a link.
 */
export function writeNewFile(file: string, text: string, force: boolean, option = "--html"): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const unwritable = (err: unknown) => new OptionError(option, file, "a writable file path in an existing directory", code(err));
  const taken = () => new OptionError(option, file, "a new file name, or --force to replace it", "exists");
  try {
    writeFileSync(tmp, text, { flag: "wx", mode: 0o644 });
  } catch (err) {
    throw unwritable(err);
  }
  try {
    if (force) renameSync(tmp, file);
    else {
      try {
        linkSync(tmp, file);
      } catch (err) {
        if (code(err) === "EEXIST") throw taken();
        // A file system without hard links: look, then rename (the window is the user's own directory).
        if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK"].includes(code(err))) throw err;
        if (exists(file)) throw taken();
        renameSync(tmp, file);
      }
    }
  } catch (err) {
    if (err instanceof OptionError) throw err;
    throw unwritable(err);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

export function reportCommand(io: Io): CommandModule<object, ReportArgs> {
  return {
    command: "report <file>",
    describe: "print a saved build-report.json as the text report; with --html OUT also write it as an HTML page with a bar per section",
    builder: (y) =>
      y
        .positional("file", { type: "string", describe: "a build-report.json written by `lfs-docker build`" })
        .option("html", { type: "string", describe: "write the report as one self-contained HTML page to this file" })
        .option("title", { type: "string", describe: "the page's title (default: LFS build report)" })
        .option("force", { type: "boolean", default: false, describe: "replace an existing --html file" })
        .example("$0 report out/build-report.json --html report.html", "print the report and write the page") as never,
    handler: async (args) => {
      const [report, { renderHtmlReport }, { formatReport }] = await Promise.all([
        readReportFile(args.file),
        import("../../report/html.js"),
        import("../../report/build-report.js"),
      ]);
      if (args.html !== undefined) {
        if (args.html === "") throw new OptionError("--html", args.html, "a file path");
        writeNewFile(args.html, renderHtmlReport(report, args.title !== undefined ? { title: args.title } : {}), args.force);
      }
      io.stdout.write(formatReport(report));
    },
  };
}
