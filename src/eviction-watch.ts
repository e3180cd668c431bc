/**
 * Watching a build for steps that earlier builds on the same builder finished but that are being
 * built again: BuildKit's cache no longer has them (see ./cache-memory.ts). The first one is said at
 * once, with the builder's garbage-collection limit and the setting to raise; the rest are counted.
 */
import type { BuildEvent } from "./buildkit/status.js";
import { describeStep, type BuildPlan } from "./build-plan.js";
import { finishedSteps, rememberFinished, stepIdentities } from "./cache-memory.js";
import { stepKey } from "./progress/model.js";
import { formatMiB } from "./text/bytes.js";

/** A size as the messages give it: `1.0 MiB`, `20.0 GiB`. */
const size = (bytes: number): string => formatMiB(bytes);

export class EvictionWatch {
  private readonly identities: Map<string, string>;
  private readonly earlier: Set<string>;
  private readonly finished = new Set<string>();
  private readonly rebuilt: string[] = [];
  /** The most build cache the builder keeps (its garbage collector's limit), when known. */
  keepBytes: number | undefined;

  constructor(
    private readonly plan: BuildPlan,
    dockerfile: string,
    platform: string,
    private readonly builder: string,
    private readonly notify: (message: string) => void,
    /** A build that ignores the cache rebuilds everything on purpose: nothing to say then. */
    noCache: boolean,
    /** Where the memory lives ($XDG_CACHE_HOME). */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.identities = stepIdentities(dockerfile, platform, plan.layout);
    this.earlier = noCache ? new Set() : finishedSteps(builder, env);
  }

  onEvent(e: BuildEvent): void {
    if (e.type !== "vertex-started" && e.type !== "vertex-completed" && e.type !== "vertex-cached") return;
    const key = stepKey(e.vertex.name);
    const id = key === undefined ? undefined : this.identities.get(key);
    if (id === undefined) return;
    if (e.type !== "vertex-started") this.finished.add(id);
    // BuildKit reports a step it takes from the cache as cached from the start: one that starts runs.
    else if (!e.vertex.cached && this.earlier.has(id) && !this.rebuilt.includes(e.vertex.name)) {
      this.rebuilt.push(e.vertex.name);
      if (this.rebuilt.length === 1) this.notify(this.message(describeStep(this.plan, e.vertex.name)));
    }
  }

  private message(step: string): string {
    const gc =
      this.keepBytes !== undefined
        ? `the builder's garbage collector keeps at most ${size(this.keepBytes)} of build cache (\`lfs-docker doctor\` shows its policy), far less than a whole LFS build leaves: ` +
          "raise builder.gc.defaultKeepStorage in the engine's daemon.json (buildkitd: gckeepstorage in buildkitd.toml), or the next run will build again what this one builds"
        : "the builder's garbage collector or a prune removed it (`lfs-docker doctor` shows the builder's policy)";
    return `${step} is being built again, though an earlier build on this builder finished it: it is no longer in BuildKit's cache; ${gc}. (A changed base image or source file also makes a step run again.)`;
  }

  /** Remember what this build finished; a line for the steps built again, when more than one was. */
  finish(): void {
    rememberFinished(this.builder, this.finished, this.env);
    if (this.rebuilt.length > 1) {
      const steps = this.rebuilt.map((v) => describeStep(this.plan, v));
      this.notify(
        `${steps.length} steps that earlier builds on this builder had finished were built again (evicted from BuildKit's cache): ${steps.join(", ")}`,
      );
    }
  }
}
