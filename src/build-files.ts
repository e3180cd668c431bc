/**
 * What a build writes beside BuildKit's export: the leftovers of a killed build removed first, the
 * exported files moved into place (never over the user's unless forced), the report written.
 */
import { readdirSync, renameSync, lstatSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { OptionError } from "./errors.js";
import { fileKind, sweepSafeWriteTemps, writeFileSafe } from "./fs/safe-write.js";
import { sweepLeftovers, TEMP_NAME, type Leftover } from "./fs/owned-dir.js";
import { formatReport, type BuildReport } from "./report/build-report.js";
import { renderHtmlReport } from "./report/html.js";
import type { OutputSpec } from "./output-spec.js";
import type { BuildOptions } from "./build-options.js";
import { formatMiB } from "./text/bytes.js";

const REPORT_FILES = ["build-report.txt", "build-report.json", "build-report.html"];

/**
 * Before a build writes anything: remove what an earlier build that was killed left where this one
 * writes (its marked staging and partial directories, its half-written reports), and say so.
 */
export async function removeLeftovers(
  options: Pick<BuildOptions, "onWarning">,
  outputs: readonly OutputSpec[],
  output: string | undefined,
  reportDir: string | undefined,
): Promise<void> {
  const dirs = [...new Set([output, reportDir, ...fileOutputDirs(outputs)].filter((d): d is string => d !== undefined))];
  const found: Leftover[] = [];
  for (const dir of dirs) found.push(...(await sweepLeftovers(dir)));
  const temps = reportDir === undefined ? [] : sweepSafeWriteTemps(reportDir, REPORT_FILES);
  const mib = (n: number) => formatMiB(n, { gib: false });
  // The system's temporary directory: what killed builds left there, in one line (those of builds
  // still running are theirs, and not mentioned).
  const gone = (await sweepLeftovers(tmpdir(), TEMP_NAME)).filter((l) => l.removed);
  if (gone.length > 0) {
    const pids = [...new Set(gone.map((l) => l.owner.pid))].join(", ");
    options.onWarning?.(
      `removed ${gone.length} temporary ${gone.length === 1 ? "directory" : "directories"} of killed builds from ${tmpdir()} (${mib(gone.reduce((n, l) => n + l.bytes, 0))}; lfs-docker pid ${pids})`,
    );
  }
  for (const l of found) {
    const who = `lfs-docker pid ${l.owner.pid}, started ${l.owner.created}`;
    options.onWarning?.(
      l.removed
        ? `removed ${l.path} (${mib(l.bytes)}): ${l.owner.purpose}, left by a build that was killed (${who})`
        : `left ${l.path} alone (${mib(l.bytes)}): ${l.owner.purpose} of another build (${who}; ${l.kept})`,
    );
  }
  for (const t of temps) options.onWarning?.(`removed ${t}: a half-written report of a build that was killed`);
}

/** The build report, written as new files renamed into place: never through a link planted there. */
export function writeReport(dir: string | undefined, report: BuildReport, title: string): { reportFile?: string; htmlReportFile?: string } {
  if (dir === undefined) return {};
  const reportFile = join(dir, "build-report.txt");
  writeFileSafe(reportFile, formatReport(report));
  writeFileSafe(join(dir, "build-report.json"), JSON.stringify(report, null, 1) + "\n");
  const htmlReportFile = join(dir, "build-report.html");
  writeFileSafe(htmlReportFile, renderHtmlReport(report, { title }));
  return { reportFile, htmlReportFile };
}

/** The directories the outputs that go to a file (tar, oci, docker) or an OCI layout directory are written beside. */
export function fileOutputDirs(outputs: readonly OutputSpec[]): string[] {
  return outputs.flatMap((o) => (o.type !== "local" && "dest" in o && o.dest !== undefined && o.dest !== "-" ? [dirname(resolve(o.dest))] : []));
}

/** Move the exported files from staging into the output directory; never over a file unless forced. */
export function moveIntoPlace(staging: string, output: string, force: boolean): string[] {
  const files: string[] = [];
  for (const name of readdirSync(staging)) {
    const dest = join(output, name);
    const existing = lstatOrUndefined(dest);
    if (existing) {
      if (!force) throw new OptionError("--output", dest, "a name not already taken, or --force to replace it", "exists");
      // --force replaces a regular file only, never a link, a directory or a device.
      if (!existing.isFile())
        throw new OptionError("--output", dest, "a name not already taken, or a regular file to replace with --force", `it is ${fileKind(existing)}`);
    }
    renameSync(join(staging, name), dest);
    files.push(dest);
  }
  return files;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
