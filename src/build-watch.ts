/**
 * What a build watches while it runs: every step's vertex (for the report), the book's sections (the
 * time left and section events), the steps rebuilt after an eviction (one watch per node), and the
 * progress display. One BuildEvent goes to each of them, then to the caller's onEvent.
 */
import type { BuildEvent, VertexInfo } from "./buildkit/status.js";
import type { BuildModel } from "./build-plan.js";
import { buildReport, type BuildReport } from "./report/build-report.js";
import { EvictionWatch } from "./eviction-watch.js";
import { createProgressDisplay, TimeLeft, type ProgressDisplay } from "./progress/index.js";
import { rememberedSbu } from "./sbu-memory.js";
import { sectionEvents } from "./section-events.js";
import type { BuildOptions } from "./build-options.js";

type WatchOptions = Pick<BuildOptions, "progress" | "sbuSeconds" | "onSection" | "onEvent" | "onWarning" | "noCache">;

export class BuildWatch {
  /** The steps' vertices, by digest (and node, when the build is split). */
  private readonly vertices = new Map<string, VertexInfo>();
  private readonly evictions: Map<string | undefined, EvictionWatch>;
  private readonly onSection: (e: BuildEvent) => void;
  // Less a few seconds: the daemon's clock may differ a little from ours.
  private readonly solveStarted = new Date(Date.now() - 10_000);
  readonly display: ProgressDisplay;

  /** `builderKey` names the builder in what is remembered between builds; `nodes`, the split build's nodes. */
  constructor(
    private readonly model: BuildModel,
    builderKey: string,
    nodes: string[] | undefined,
    private readonly options: WatchOptions,
  ) {
    const timeLeft = new TimeLeft(model.steps, options.sbuSeconds ?? rememberedSbu(builderKey));
    this.onSection = sectionEvents(model, timeLeft, (e) => options.onSection?.(e));
    // What a builder's cache held is remembered per node when the build is split across nodes.
    this.evictions = new Map(
      (nodes ?? [undefined]).map((n) => [
        n,
        new EvictionWatch(
          model,
          model.dockerfile,
          model.options.arch.platform,
          n === undefined ? builderKey : `${builderKey}/${n}`,
          (m) => options.onWarning?.(m),
          options.noCache === true,
        ),
      ]),
    );
    this.display = createProgressDisplay(options.progress ?? "auto", { timeLeft, steps: model.steps });
  }

  /** The events of one node's solve (undefined: the build's only node). */
  onEvent(node: string | undefined): (e: BuildEvent) => void {
    return (e) => {
      if (e.type === "vertex-started" || e.type === "vertex-completed" || e.type === "vertex-cached" || e.type === "vertex-error") {
        const key = e.vertex.digest + (node ?? "");
        if (e.type !== "vertex-started" || !this.vertices.has(key)) this.vertices.set(key, e.vertex);
      }
      this.onSection(e);
      this.evictions.get(node)?.onEvent(e);
      this.options.onEvent?.(e);
    };
  }

  /** The most build cache the builder keeps (its garbage collector's limit), once known. */
  set keepBytes(bytes: number | undefined) {
    for (const w of this.evictions.values()) w.keepBytes = bytes;
  }

  /** The steps that were running when the daemon was lost, marked as failed in the report. */
  markInterrupted(running: readonly string[]): void {
    for (const [key, v] of this.vertices) {
      if (running.includes(v.name) && !v.completed && !v.error)
        this.vertices.set(key, { ...v, error: "interrupted: the connection to the BuildKit daemon was lost" });
    }
  }

  report(): BuildReport {
    return buildReport(this.model.steps, [...this.vertices.values()], this.model.sbuSection, this.solveStarted, this.model.bookSbu);
  }

  /** The eviction watches remember what finished. */
  finish(): void {
    for (const w of this.evictions.values()) w.finish();
  }
}
