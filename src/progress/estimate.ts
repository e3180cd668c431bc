/**
 * Time left, from the book's build times: every package section has an SBU figure in book.json, and
 * a build measures what one book-SBU takes on this builder from the sections it has built so far
 * (before any, from a figure given or remembered from the last build on the same builder). The time
 * left is the figures of the sections not yet built times that rate, less what the running ones
 * have already spent. Stages that run side by side (kernel beside system) are summed, so the figure
 * errs long there. Pure logic.
 */

/** One counted step of the Dockerfile: its `[stage k/n]` key, its section and the book's SBU. */
export interface PlannedStep {
  key: string;
  section?: string;
  sbu?: number;
}

export interface Estimate {
  /** Seconds left for the whole build; null until a rate is known. */
  totalSeconds: number | null;
  /** Seconds of one book SBU on this builder, as measured (or given); null when unknown. */
  sbuSeconds: number | null;
  /** The running section with the most time left, and its seconds left. */
  current?: { section: string; seconds: number | null };
}

/** Sections shorter than this many SBU say little about the rate (set-up time dominates them). */
const MIN_SBU_FOR_RATE = 0.1;

export class TimeLeft {
  private readonly steps = new Map<string, PlannedStep>();
  private readonly done = new Set<string>();
  private readonly running = new Map<string, number>();
  private builtSeconds = 0;
  private builtSbu = 0;

  constructor(
    plan: readonly PlannedStep[],
    private readonly givenSbuSeconds: number | null = null,
  ) {
    for (const s of plan) this.steps.set(s.key, s);
  }

  started(key: string, at: number): void {
    if (this.steps.has(key) && !this.done.has(key)) this.running.set(key, at);
  }

  /** A step finished: built in `seconds`, or cached (seconds null). */
  finished(key: string, seconds: number | null): void {
    const step = this.steps.get(key);
    if (!step || this.done.has(key)) return;
    this.done.add(key);
    this.running.delete(key);
    if (seconds !== null && step.sbu !== undefined && step.sbu >= MIN_SBU_FOR_RATE) {
      this.builtSeconds += seconds;
      this.builtSbu += step.sbu;
    }
  }

  /** The seconds of one book SBU: measured in this build when it can be, else the given figure. */
  rate(): number | null {
    return this.builtSbu > 0 ? this.builtSeconds / this.builtSbu : this.givenSbuSeconds;
  }

  estimate(now: number): Estimate {
    const rate = this.rate();
    if (rate === null) return { totalSeconds: null, sbuSeconds: null };
    let total = 0;
    let current: Estimate["current"];
    for (const [key, step] of this.steps) {
      if (this.done.has(key) || step.sbu === undefined) continue;
      const startedAt = this.running.get(key);
      const left = Math.max(0, step.sbu * rate - (startedAt === undefined ? 0 : (now - startedAt) / 1000));
      total += left;
      if (startedAt !== undefined && step.section && (!current || (current.seconds ?? 0) < left)) current = { section: step.section, seconds: left };
    }
    return { totalSeconds: total, sbuSeconds: rate, ...(current && { current }) };
  }
}

/** "about 3 h 10 min", "about 12 min", "less than a minute". */
export function formatTimeLeft(seconds: number): string {
  if (seconds < 60) return "less than a minute";
  const min = Math.round(seconds / 60);
  if (min < 60) return `about ${min} min`;
  return `about ${Math.floor(min / 60)} h ${String(min % 60).padStart(2, "0")} min`;
}
