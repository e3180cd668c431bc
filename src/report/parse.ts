/**
 * A saved build-report.json read back: the JSON checked field by field against BuildReport, so that
 * a file that is not one (or was edited by hand) is refused with the place that is wrong, before
 * anything is rendered from it. Pure: text in, report out.
 */

import { LfsDockerError } from "../errors.js";
import { printable } from "../text/terminal.js";
import type { BuildOutcome, BuildReport, ReportRow } from "./build-report.js";

/** The text is not a build report; `where` is the JSON path of the first thing wrong (e.g. `rows[3].seconds`). */
export class ReportFormatError extends LfsDockerError {
  readonly where: string;
  constructor(where: string, problem: string) {
    super("E_REPORT_FORMAT", where ? `${where}: ${problem}` : problem);
    this.name = "ReportFormatError";
    this.where = where;
  }
}

type Json = Record<string, unknown>;

const at = (where: string, key: string) => (where ? `${where}.${key}` : key);

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function object(v: unknown, where: string): Json {
  if (!isObject(v)) throw new ReportFormatError(where || "the top level", "an object expected");
  return v;
}

function string(o: Json, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new ReportFormatError(at(where, key), "a string expected");
  return v;
}

function optString(o: Json, key: string, where: string): string | undefined {
  return o[key] === undefined ? undefined : string(o, key, where);
}

function number(o: Json, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ReportFormatError(at(where, key), "a number expected");
  return v;
}

function numberOrNull(o: Json, key: string, where: string): number | null {
  if (o[key] === null) return null;
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ReportFormatError(at(where, key), "a number (0 or more) or null expected");
  return v;
}

function boolean(o: Json, key: string, where: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw new ReportFormatError(at(where, key), "true or false expected");
  return v;
}

function row(v: unknown, where: string): ReportRow {
  const o = object(v, where);
  const section = optString(o, "section", where);
  const bookSbu = o.bookSbu === undefined ? undefined : number(o, "bookSbu", where);
  return {
    stage: string(o, "stage", where),
    step: number(o, "step", where),
    ...(section !== undefined && { section }),
    title: string(o, "title", where),
    instruction: string(o, "instruction", where),
    vertex: string(o, "vertex", where),
    seconds: numberOrNull(o, "seconds", where),
    cached: boolean(o, "cached", where),
    failed: boolean(o, "failed", where),
    sbu: numberOrNull(o, "sbu", where),
    ...(bookSbu !== undefined && { bookSbu }),
  };
}

const STATUSES = ["succeeded", "failed", "cancelled"] as const;

function outcome(v: unknown, where: string): BuildOutcome {
  const o = object(v, where);
  const status = o.status;
  if (!(STATUSES as readonly unknown[]).includes(status)) throw new ReportFormatError(`${where}.status`, `one of ${STATUSES.join(", ")} expected`);
  const message = optString(o, "message", where);
  const next = optString(o, "next", where);
  let failed: BuildOutcome["failed"];
  if (o.failed !== undefined) {
    const w = `${where}.failed`;
    const f = object(o.failed, w);
    const section = optString(f, "section", w);
    const title = optString(f, "title", w);
    const exitCode = f.exitCode === undefined ? undefined : number(f, "exitCode", w);
    if (!Array.isArray(f.logTail)) throw new ReportFormatError(`${w}.logTail`, "an array of strings expected");
    const logTail = f.logTail.map((line, i) => {
      if (typeof line !== "string") throw new ReportFormatError(`${w}.logTail[${i}]`, "a string expected");
      return line;
    });
    failed = {
      step: string(f, "step", w),
      ...(section !== undefined && { section }),
      ...(title !== undefined && { title }),
      ...(exitCode !== undefined && { exitCode }),
      logTail,
    };
  }
  return {
    status: status as BuildOutcome["status"],
    ...(message !== undefined && { message }),
    ...(failed !== undefined && { failed }),
    ...(next !== undefined && { next }),
  };
}

/** Parse the text of a build-report.json as build() writes it; throws ReportFormatError. */
export function parseBuildReport(text: string): BuildReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // The parser's message quotes the text: made one safe line.
    throw new ReportFormatError("", `not JSON: ${printable((err as Error).message)}`);
  }
  const o = object(json, "");
  if (!Array.isArray(o.rows)) throw new ReportFormatError("rows", "an array expected");
  const rows = o.rows.map((r, i) => row(r, `rows[${i}]`));
  let sbuSection: string | null | undefined;
  if (o.sbuSection === null) sbuSection = null;
  else sbuSection = optString(o, "sbuSection", "");
  return {
    rows,
    totalSeconds: numberOrNull(o, "totalSeconds", ""),
    sbuSeconds: numberOrNull(o, "sbuSeconds", ""),
    ...(sbuSection !== undefined && { sbuSection }),
    ...(o.outcome !== undefined && { outcome: outcome(o.outcome, "outcome") }),
  };
}
