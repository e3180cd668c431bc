/**
 * A build split across a builder's nodes (node-plan.ts), run: each handover is a solve on its node,
 * started once the stages it takes are in the registry, its result pushed there as
 * `REPOSITORY:<stage>-<hash>` and given to the next node by digest, as the named context
 * `context:<stage>=docker-image://REPOSITORY:<stage>-<hash>@sha256:…`. The build's own target (with
 * its outputs) is solved by build.ts on the node the plan gives it, with those contexts.
 *
 * Every solve's progress goes into the build's one display and events, each vertex named with its
 * node as buildx names a bake target's (`[arm64-node toolchain 2/3] RUN …`); a line per solve says
 * what runs where (`[arm64-node] toolchain, system for linux/arm64, taking host, kernel from amd64-node`).
 */
import { createHash } from "node:crypto";

import { dockerConfigCredentials } from "./buildkit/auth.js";
import { resolveBuilder, type ResolvedBuilder } from "./buildkit/builders.js";
import { builderEngine, connectBuilder } from "./buildkit/connect-builder.js";
import type { BuildEvent, SolveStatus, VertexInfo } from "./buildkit/status.js";
import type { SolveOptions } from "./buildkit/types.js";
import { OptionError } from "./errors.js";
import { planExports } from "./exports/plan.js";
import type { NodePlan, NodeSolve } from "./node-plan.js";
import { isImageReference } from "./options.js";
import type { ProgressDisplay } from "./progress/model.js";

/** What every solve of a split build shares with the build's own (the Dockerfile, secrets, sources, ...). */
export type SharedSolve = Pick<SolveOptions, "context" | "secrets" | "namedContexts" | "noCache" | "entitlements" | "cacheImports" | "onWarning" | "signal">;

export interface NodeRun {
  plan: NodePlan;
  /** The builder of every node, by node name. */
  nodes: Map<string, ResolvedBuilder>;
  /** The repository the handed-over stages are pushed to (`--stage-registry`). */
  registry: string;
  dockerfile: string;
  platform: string;
  shared: SharedSolve;
  display: ProgressDisplay;
  /** The build's event handler for a node's events. */
  onEvent: (node: string | undefined) => (e: BuildEvent) => void;
}

/** --stage-registry: a repository, without tag or digest. */
export function checkStageRegistry(value: string): string {
  const last = value.slice(value.lastIndexOf("/") + 1);
  if (!isImageReference(value) || last.includes(":") || value.includes("@")) {
    throw new OptionError(
      "--stage-registry",
      value,
      "a registry repository every node reaches, without tag or digest, such as registry.example:5000/lfs-stages",
    );
  }
  return value;
}

/** The builder of each node the plan uses (checked before anything is built). */
export function nodeBuilders(plan: NodePlan, builder: ResolvedBuilder): Map<string, ResolvedBuilder> {
  const names = [...new Set(plan.solves.map((s) => s.node))];
  return new Map(names.map((node) => [node, { ...resolveBuilder({ builder: builder.name, node }), source: builder.source }]));
}

/** `[node stage 2/5] …`, `[node internal] …`, `[node] …`: a vertex's name with its node, as buildx prefixes a bake target. */
export function withNode(name: string, node: string): string {
  return name.startsWith("[") ? `[${node} ${name.slice(1)}` : `[${node}] ${name}`;
}

function vertexWithNode(v: VertexInfo, node: string): VertexInfo {
  return { ...v, name: withNode(v.name, node) };
}

/** The progress and events of one node's solve, named with the node, into the build's own. */
export function nodeProgress(node: string, display: ProgressDisplay, onEvent: (e: BuildEvent) => void): Pick<SolveOptions, "progress" | "onEvent"> {
  return {
    progress: {
      update: (s: SolveStatus) => display.update({ ...s, vertexes: s.vertexes.map((v) => vertexWithNode(v, node)) }),
      done: () => {}, // the build's display ends with the build
    },
    onEvent: (e) => {
      if (e.type === "vertex-started" || e.type === "vertex-completed" || e.type === "vertex-cached" || e.type === "vertex-error")
        onEvent({ ...e, vertex: vertexWithNode(e.vertex, node) });
      else if (e.type === "log") onEvent({ ...e, name: withNode(e.name, node) });
      else onEvent({ ...e, vertexName: withNode(e.vertexName, node) });
    },
  };
}

/** A line in the display for a solve: which node builds what, and what it takes from where. */
export function announce(display: ProgressDisplay, plan: NodePlan, solve: NodeSolve, platform: string, event: "start" | "done", at: Date): void {
  const from = solve.takes.map((t) => `${t} from ${plan.solves.find((s) => s.stage === t)!.node}`);
  const what = solve.runs.length ? solve.runs.join(", ") : solve.stage;
  const to = solve.handoff ? `, handing ${solve.stage}${solve.handoff.paths ? ` (${solve.handoff.paths.join(" ")})` : ""} over` : "";
  const name = `[${solve.node}] ${what} for ${platform}${from.length ? `, taking ${from.join(", ")}` : ""}${to}`;
  const digest = `sha256:${createHash("sha256").update(`lfs-docker node ${solve.node} ${solve.target}`).digest("hex")}`;
  display.update({
    vertexes: [{ digest, name, inputs: [], cached: false, started: at, ...(event === "done" && { completed: new Date() }) }],
    statuses: [],
    logs: [],
    warnings: [],
  });
}

/**
 * The named contexts of a solve: the stages it takes, from the handovers' pushed images, and the
 * stages it does not use as the build's (empty) context directory.
 */
export function takenContexts(solve: NodeSolve, pushed: ReadonlyMap<string, string>, empty: string): Record<string, string> {
  return Object.fromEntries([...solve.unused.map((u) => [u, empty]), ...solve.takes.map((t) => [t, `docker-image://${pushed.get(t)!}`])]);
}

/**
 * Runs every handover of the plan (all but its last solve), each once the stages it takes are
 * pushed; returns the pushed images by stage (`REPO:TAG@sha256:…`). One failing cancels the others.
 */
export async function runHandoffs(run: NodeRun): Promise<Map<string, string>> {
  const pushed = new Map<string, string>();
  const abort = new AbortController();
  const outer = run.shared.signal;
  const onAbort = () => abort.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  const done = new Map<string, Promise<void>>();
  const start = (solve: NodeSolve): Promise<void> => {
    let p = done.get(solve.stage);
    if (p) return p;
    p = (async () => {
      await Promise.all(solve.takes.map((t) => start(run.plan.solves.find((s) => s.stage === t)!)));
      pushed.set(solve.stage, await handoff(run, solve, pushed, abort.signal));
    })();
    p.catch(() => abort.abort(new Error("another node's part of the build failed")));
    done.set(solve.stage, p);
    return p;
  };
  try {
    await Promise.all(run.plan.solves.slice(0, -1).map(start));
    return pushed;
  } finally {
    outer?.removeEventListener("abort", onAbort);
  }
}

/** The image a handover is pushed as: REPO:<stage>-<hash of what it is built from>. */
export function handoffName(run: Pick<NodeRun, "registry" | "dockerfile" | "platform" | "plan">, solve: NodeSolve): string {
  const hash = createHash("sha256").update(`${run.dockerfile}\n${run.plan.appended}\n${run.platform}\n${solve.target}`).digest("hex").slice(0, 12);
  return `${run.registry}:${solve.stage}-${hash}`;
}

async function handoff(run: NodeRun, solve: NodeSolve, pushed: ReadonlyMap<string, string>, signal: AbortSignal): Promise<string> {
  const builder = run.nodes.get(solve.node)!;
  const name = handoffName(run, solve);
  const dockerEngine = builder.address.startsWith("docker://");
  const exportPlan = planExports([{ type: "image", name, push: true }], {
    dockerEngine,
    engine: () => builderEngine(builder),
    credentials: dockerConfigCredentials(),
    force: false,
  });
  const started = new Date();
  announce(run.display, run.plan, solve, run.platform, "start", started);
  await using client = await connectBuilder(builder);
  const result = await client.solve({
    ...run.shared,
    dockerfileText: run.dockerfile + run.plan.appended,
    target: solve.target,
    platforms: [run.platform],
    namedContexts: { ...run.shared.namedContexts, ...takenContexts(solve, pushed, run.shared.context) },
    exports: exportPlan.exports,
    signal,
    ...nodeProgress(solve.node, run.display, run.onEvent(solve.node)),
  });
  const finished = await exportPlan.finish(result.exporterResponse);
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(finished.images[0] ?? "")?.[1] ?? result.exporterResponse["containerimage.digest"];
  if (!digest)
    throw new OptionError(
      "--stage-registry",
      run.registry,
      "a registry the builder's nodes push to",
      `node ${solve.node} pushed ${name} but reported no digest for it`,
    );
  if (dockerEngine)
    await builderEngine(builder)
      .getImage(name)
      .remove()
      .catch(() => undefined); // the engine's own copy: the registry's is the one used
  announce(run.display, run.plan, solve, run.platform, "done", started);
  return `${name}@${digest}`;
}

/**
 * A split build up to its last solve (the build's own target, with its outputs): the handovers run;
 * what the last solve takes as named contexts, its progress and events named with its node, and its
 * end (its line in the display done, the display ended).
 */
export async function upToLastSolve(
  run: NodeRun,
): Promise<{ namedContexts: Record<string, string>; solve: Pick<SolveOptions, "progress" | "onEvent">; done(): Promise<void> }> {
  const pushed = await runHandoffs(run);
  const last = run.plan.solves.at(-1)!;
  const started = new Date();
  announce(run.display, run.plan, last, run.platform, "start", started);
  return {
    namedContexts: takenContexts(last, pushed, run.shared.context),
    solve: nodeProgress(last.node, run.display, run.onEvent(last.node)),
    async done() {
      announce(run.display, run.plan, last, run.platform, "done", started);
      await run.display.done();
    },
  };
}
