/**
 * Progress displays: `auto`, `tty`, `plain`, `rawjson`, `quiet` (the modes docker users know).
 * All share ProgressDisplay { update(status), done(error?) }; pass one as SolveOptions.progress.
 */
import type { SolveStatus } from "../buildkit/status.js";
import type { ProgressDisplay } from "./model.js";
import { PlainDisplay, type Output } from "./plain.js";
import { TtyDisplay, type TtyOutput } from "./tty.js";
import type { TimeLeft } from "./estimate.js";
import type { StepInfo } from "../render/step-map.js";

export { errorSummary, formatDuration, ProgressModel, type ProgressDisplay, type VertexView } from "./model.js";
export { PlainDisplay, type Output } from "./plain.js";
export { TtyDisplay, type TtyOptions, type TtyOutput } from "./tty.js";
export { TimeLeft, formatTimeLeft, type Estimate, type PlannedStep } from "./estimate.js";

export type ProgressMode = "auto" | "tty" | "plain" | "rawjson" | "quiet";

export const PROGRESS_MODES: readonly ProgressMode[] = ["auto", "tty", "plain", "rawjson", "quiet"];

/** `rawjson`: one JSON status per line, log bytes base64 (Go's []byte encoding), as docker does. */
export class RawJsonDisplay implements ProgressDisplay {
  constructor(private readonly out: Output) {}

  update(status: SolveStatus): void {
    const json = {
      vertexes: status.vertexes,
      statuses: status.statuses,
      logs: status.logs.map((l) => ({ vertex: l.vertex, stream: l.stream, data: l.data.toString("base64"), timestamp: l.timestamp })),
      warnings: status.warnings,
    };
    this.out.write(`${JSON.stringify(json)}\n`);
  }

  done(): void {}
}

/** `quiet`: nothing (the error still reaches the caller as the thrown error). */
export class QuietDisplay implements ProgressDisplay {
  update(_status?: SolveStatus): void {}
  done(_error?: unknown): void {}
}

export interface CreateDisplayOptions {
  /** The build's time-left estimate (steps with the book's SBU figures): the displays then show it. */
  timeLeft?: TimeLeft;
  /** The build's steps (the map the generator emitted, BuildModel.steps): each section's step is shown by its number and title. */
  steps?: readonly StepInfo[];
  /** Where to draw (default process.stderr, like docker). */
  stream?: (Output & TtyOutput & { isTTY?: boolean }) | NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/**
 * Whether `auto` should pick the live view: stdout is a terminal (so a person is watching), the
 * stream drawn on is one too, and TERM is not `dumb`.
 */
export function isInteractive(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env, stdout: { isTTY?: boolean } = process.stdout): boolean {
  return stdout.isTTY === true && stream.isTTY === true && env["TERM"] !== "dumb";
}

export function createProgressDisplay(mode: ProgressMode = "auto", opts: CreateDisplayOptions = {}): ProgressDisplay {
  const stream = (opts.stream ?? process.stderr) as Output & TtyOutput & { isTTY?: boolean };
  const env = opts.env ?? process.env;
  const noColor = env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "";
  const display = createDisplay(mode, stream, env, noColor);
  if (display instanceof PlainDisplay || display instanceof TtyDisplay) {
    if (opts.timeLeft) display.model.timeLeft = opts.timeLeft;
    if (opts.steps) display.model.steps = new Map(opts.steps.map((s) => [`${s.stage} ${s.step}`, s]));
  }
  return display;
}

function createDisplay(mode: ProgressMode, stream: Output & TtyOutput & { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColor: boolean): ProgressDisplay {
  switch (mode) {
    case "quiet":
      return new QuietDisplay();
    case "rawjson":
      return new RawJsonDisplay(stream);
    case "plain":
      return new PlainDisplay(stream);
    case "tty":
      return new TtyDisplay(stream, { color: !noColor });
    case "auto":
      return isInteractive(stream, env) ? new TtyDisplay(stream, { color: !noColor }) : new PlainDisplay(stream);
    default:
      throw new Error(`unknown progress mode ${JSON.stringify(mode)} (one of ${PROGRESS_MODES.join(", ")})`);
  }
}
