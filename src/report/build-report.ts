/**
 * The build report: how long each book section took, from BuildKit's own vertex timestamps, cached
 * or not, with the total and SBUs (1 SBU = the time of 5.2 binutils pass 1, as the book defines it).
 * Pure functions: the Dockerfile's steps (the map the generator emitted beside it, see
 * render/step-map.ts) and the vertices in, the report out.
 */

import { printable } from "../text/terminal.js";
import { stepKey } from "../progress/model.js";
import type { StepInfo } from "../render/step-map.js";

export type { StepInfo } from "../render/step-map.js";

export interface ReportVertex {
  name: string;
  cached: boolean;
  started?: Date;
  completed?: Date;
  error?: string;
}

export interface ReportRow extends StepInfo {
  /** The name BuildKit gave the step's vertex. */
  vertex: string;
  seconds: number | null;
  cached: boolean;
  failed: boolean;
  sbu: number | null;
  /** The book's own build-time figure for the section, in SBU (book.json), when it has one. */
  bookSbu?: number;
  /** When the step ran (ISO 8601), as BuildKit reported it. */
  startedAt?: string;
  completedAt?: string;
}

/** How the build ended; with the failing step when it failed. */
export interface BuildOutcome {
  status: "succeeded" | "failed" | "cancelled";
  /** The error's message, for a failed or cancelled build. */
  message?: string;
  failed?: { step: string; section?: string; title?: string; exitCode?: number; logTail: string[] };
  /** What to do next, e.g. how to resume. */
  next?: string;
}

export interface BuildReport {
  rows: ReportRow[];
  /** Wall time from the first started step to the last completed one. */
  totalSeconds: number | null;
  /** Seconds of one SBU when 5.2 ran (not cached) in this build. */
  sbuSeconds: number | null;
  /** The section that is 1 SBU (Binutils pass 1, 5.2 in LFS), null when the book has none. */
  sbuSection?: string | null;
  /** Set by build(): how the build ended. */
  outcome?: BuildOutcome;
}

const COUNTED = /^(FROM|RUN|COPY|ADD)\b/;

/** A counted step with the lines of its instruction (from its first line to its heredoc's end). */
export interface StepLines {
  info: StepInfo;
  firstLine: number;
  lastLine: number;
}

/**
 * Every counted step of a Dockerfile's text with its stage, index and book section, read from the
 * text. build() does not need it: the generator emits the map beside the Dockerfile (render/step-map.ts);
 * this is for a Dockerfile given as text (one edited by hand), and the tests' check of that map.
 */
export function dockerfileSteps(dockerfile: string): StepInfo[] {
  return dockerfileStepLines(dockerfile).map((s) => s.info);
}

/** dockerfileSteps, with the (0-based) lines each step's instruction spans. */
export function dockerfileStepLines(dockerfile: string): StepLines[] {
  const steps: StepLines[] = [];
  let stage = "";
  let step = 0;
  const stages = new Set<string>();
  let lastSection: { number: string; title: string } | undefined;
  let heredoc: string | undefined;
  let continued = false;
  // The step whose instruction the current line belongs to (continuation lines, heredoc bodies).
  let open: StepLines | undefined;
  const lines = dockerfile.split("\n");
  for (const [i, line] of lines.entries()) {
    if (heredoc) {
      if (open) open.lastLine = i;
      if (line === heredoc) heredoc = undefined;
      continue;
    }
    const wasContinued = continued;
    continued = line.endsWith("\\");
    const h = /<<'?([A-Z_]+)'?$/.exec(line);
    if (h) heredoc = h[1];
    if (wasContinued) {
      if (open) open.lastLine = i;
      continue;
    }
    open = undefined;
    const sec = /^# (\d+\.\d+)\. (.+)$/.exec(line);
    if (sec) {
      lastSection = { number: sec[1]!, title: sec[2]! };
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    if (!COUNTED.test(line)) continue;
    const from = /^FROM (?:--platform=\S+ )?(\S+) AS (\S+)/.exec(line);
    if (from) {
      const base = from[1]!;
      stage = from[2]!;
      stages.add(stage);
      lastSection = undefined;
      step = 0;
      if (base !== "scratch" && !stages.has(base)) {
        step = 1;
        steps.push({ info: { stage, step, title: line, instruction: "FROM" }, firstLine: i, lastLine: i });
      }
      continue;
    }
    step++;
    const info: StepInfo = { stage, step, title: lastSection?.title ?? line.slice(0, 80), instruction: line.split(" ")[0]! };
    if (lastSection && line.startsWith("RUN")) info.section = lastSection.number;
    open = { info, firstLine: i, lastLine: i };
    steps.push(open);
    lastSection = undefined;
  }
  return steps;
}

const seconds = (v: ReportVertex): number | null => (v.started && v.completed ? Math.max(0, (v.completed.getTime() - v.started.getTime()) / 1000) : null);

const times = (v: ReportVertex) => ({
  ...(v.started && { startedAt: v.started.toISOString() }),
  ...(v.completed && { completedAt: v.completed.toISOString() }),
});

/** The fields of a step the report keeps, in their order in build-report.json. */
const stepInfo = (s: StepInfo): StepInfo => ({
  stage: s.stage,
  step: s.step,
  title: s.title,
  instruction: s.instruction,
  ...(s.section !== undefined && { section: s.section }),
});

/**
 * Join the vertices of a solve with the Dockerfile's steps: the map the generator emitted beside it
 * (BuildModel.steps), or the Dockerfile's text, read for its steps (dockerfileSteps).
 */
export function buildReport(
  dockerfile: string | readonly StepInfo[],
  vertices: readonly ReportVertex[],
  sbuSection: string | null = "5.2",
  since?: Date,
  bookSbu: ReadonlyMap<string, number> = new Map(),
): BuildReport {
  const list = typeof dockerfile === "string" ? dockerfileSteps(dockerfile) : dockerfile.map(stepInfo);
  const steps = new Map(list.map((s) => [`${s.stage} ${s.step}`, s]));
  const position = new Map(list.map((s, i) => [`${s.stage} ${s.step}`, i]));
  // One row per step: BuildKit may report a step under more than one vertex (the same name, e.g. a
  // cache check and the run); a run or a failure says more than a cache hit.
  const byStep = new Map<string, ReportRow>();
  for (const v of vertices) {
    // "[host  5/26] RUN ...": BuildKit pads the step number to the width of the count; in a
    // multi-platform build the stage's platform comes first ("[linux/amd64->arm64 host  5/26]").
    const key = stepKey(v.name);
    const step = key === undefined ? undefined : steps.get(key);
    if (key === undefined || !step) continue;
    const figure = step.section === undefined ? undefined : bookSbu.get(step.section);
    const row: ReportRow = {
      ...step,
      vertex: v.name,
      seconds: v.cached ? null : seconds(v),
      cached: v.cached,
      failed: v.error !== undefined && v.error !== "",
      sbu: null,
      ...(figure !== undefined && { bookSbu: figure }),
      ...times(v),
    };
    const seen = byStep.get(key);
    const weight = (r: ReportRow) => (r.failed ? 3 : r.cached ? 1 : 2) * 1e9 + (r.seconds ?? 0);
    if (!seen || weight(row) > weight(seen)) byStep.set(key, row);
  }
  const rows = [...byStep.values()];
  // In the Dockerfile's order (stages run side by side report their steps interleaved).
  rows.sort((a, b) => position.get(`${a.stage} ${a.step}`)! - position.get(`${b.stage} ${b.step}`)!);
  const binutils = sbuSection === null ? undefined : rows.find((r) => r.section === sbuSection && !r.cached && r.seconds !== null);
  const sbuSeconds = binutils?.seconds ?? null;
  if (sbuSeconds) for (const r of rows) if (r.seconds !== null) r.sbu = r.seconds / sbuSeconds;
  // A vertex BuildKit shares with another build that was running already (an image's metadata, say)
  // comes with that build's times: only what started after this build did counts for the total.
  const after = vertices.filter((v) => !since || !v.started || v.started.getTime() >= since.getTime());
  const mine = after.some((v) => v.started) ? after : vertices;
  const starts = mine.flatMap((v) => (v.started ? [v.started.getTime()] : []));
  const ends = mine.flatMap((v) => (v.completed ? [v.completed.getTime()] : []));
  const totalSeconds = starts.length && ends.length ? (Math.max(...ends) - Math.min(...starts)) / 1000 : null;
  return { rows, totalSeconds, sbuSeconds, sbuSection };
}

/** The report as a text table. */
export function formatReport(report: BuildReport): string {
  const lines = ["SECTION  STAGE        SECONDS      SBU  BOOK SBU  STATE   TITLE"];
  for (const r of report.rows) {
    const state = r.failed ? "FAILED" : r.cached ? "cached" : "built";
    const secs = r.seconds === null ? "-" : r.seconds.toFixed(1);
    const sbu = r.sbu === null ? "-" : r.sbu.toFixed(2);
    const book = r.bookSbu === undefined ? "-" : String(r.bookSbu);
    lines.push(
      `${(r.section ?? "").padEnd(7)}  ${r.stage.padEnd(11)}  ${secs.padStart(7)}  ${sbu.padStart(7)}  ${book.padStart(8)}  ${state.padEnd(6)}  ${printable(r.title)}`,
    );
  }
  lines.push(
    "",
    `total: ${report.totalSeconds === null ? "-" : report.totalSeconds.toFixed(1) + " s"}`,
    report.sbuSection === null
      ? "1 SBU: not defined (this book has no Binutils pass 1)"
      : report.sbuSeconds === null
        ? `1 SBU: not measured in this build (${report.sbuSection ?? "5.2"} was cached or not built)`
        : `1 SBU = ${report.sbuSeconds.toFixed(1)} s (${report.sbuSection ?? "5.2"} Binutils pass 1 in this build)`,
  );
  lines.push(...formatOutcome(report.outcome));
  return lines.join("\n") + "\n";
}

function formatOutcome(o: BuildOutcome | undefined): string[] {
  if (!o) return [];
  const lines = ["", `outcome: ${o.status}${o.message ? `: ${printable(o.message)}` : ""}`];
  if (o.failed) {
    const f = o.failed;
    const what = f.section ? `${f.section} ${f.title ?? ""}`.trim() : f.step;
    lines.push(`failed step: ${printable(what)}${f.exitCode !== undefined ? `, exit code ${f.exitCode}` : ""}`);
    if (f.logTail.length) lines.push("last lines of its log:", ...f.logTail.map((l) => `  ${printable(l)}`));
  }
  if (o.next) lines.push(o.next);
  return lines;
}
