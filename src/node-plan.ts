/**
 * One node per platform: how a build is split across the nodes of a buildx builder whose nodes have
 * different platforms.
 *
 * The stages that run on the build machine (`FROM --platform=$BUILDPLATFORM`: host, kernel,
 * iso-builder) go to the builder's first node (buildx's default node); the stages that run on the
 * target platform (toolchain, system) go to the first node that lists it. Stages that run nothing
 * (`FROM scratch` + COPY: sources, iso) go wherever what they copy from is. Each node's part is a solve
 * of the same Dockerfile; a stage that one node built and another reads is handed over as an image:
 * pushed by the first to a registry, and given to the second as a named build context
 * (`context:STAGE=docker-image://…`), which the Dockerfile frontend puts in place of the stage. When
 * the reader only copies some paths of it (`COPY --from=host /mnt/lfs/ /`), only those are handed
 * over, through a stage appended to the first node's Dockerfile (`FROM scratch` + `COPY --from=host
 * /mnt/lfs/ /mnt/lfs/`): the host stage's Debian base never travels.
 *
 * A builder with one node, or whose nodes list the same platforms, is not split (undefined), nor is
 * one whose first node lists the target platform. Pure: unit-tested table by table.
 */
import { OptionError } from "./errors.js";
import type { Stage } from "./stage-graph.js";

export interface PlanNode {
  name: string;
  /** The platforms the builder lists for it (`linux/arm64`); empty: whatever its daemon has. */
  platforms: string[];
}

export interface NodeSolve {
  /** The node that runs it. */
  node: string;
  /** The stage it builds (for a handover: the stage handed over). */
  stage: string;
  /** The Dockerfile target: the stage, or the appended stage holding only the paths handed over. */
  target: string;
  /** Handed over to another node as an image: `paths` only (the appended stage), or all of it. */
  handoff?: { paths?: string[] };
  /** The stages of this solve that run something on this node. */
  runs: string[];
  /** The stages other nodes built that this solve takes as named contexts. */
  takes: string[];
  /**
   * Stages the Dockerfile frontend sees as needed, through the stages it takes, that it neither
   * builds nor reads (host's sources-verify, behind the sources): the frontend would still look their
   * base images up, which the node may not have. They are given as empty named contexts.
   */
  unused: string[];
}

export interface NodePlan {
  builder: string;
  /** The node of the build platform's stages, and the node of the target platform's. */
  buildNode: string;
  targetNode: string;
  /** Solves in an order where each comes after those it takes from; the last is the build's own target. */
  solves: NodeSolve[];
  /** Stages appended to the Dockerfile for the handovers of some paths only. */
  appended: string;
}

export const HANDOFF_PREFIX = "lfs-docker-handoff-";

const osArch = (p: string) => p.split("/").slice(0, 2).join("/");

/** The same platform: `linux/arm64` and `linux/arm64/v8` are. */
export function samePlatform(a: string, b: string): boolean {
  return a === b || osArch(a) === osArch(b);
}

function describeNodes(nodes: readonly PlanNode[]): string {
  return nodes.map((n) => `${n.name} (${n.platforms.length ? n.platforms.join(", ") : "its daemon's platforms"})`).join(", ");
}

/** The node for the target platform, or an error naming the builder, its nodes and what is missing. */
function targetNodeOf(builder: string, nodes: readonly PlanNode[], platform: string, stages: string[]): PlanNode {
  const node = nodes.find((n) => n.platforms.some((p) => samePlatform(p, platform))) ?? nodes.find((n) => n.platforms.length === 0);
  if (node) return node;
  throw new OptionError(
    "--builder",
    builder,
    `a builder with a node for ${platform}`,
    `its nodes ${describeNodes(nodes)} have different platforms and none is ${platform}, which the stages ${stages.join(", ")} run on; add one (docker buildx create --append --name ${builder} --platform ${platform} ENDPOINT)`,
  );
}

/** Whether the nodes' platforms differ (a builder of one node, or of nodes alike, is never split). */
function nodesDiffer(nodes: readonly PlanNode[]): boolean {
  const key = (n: PlanNode) => n.platforms.map(osArch).sort().join(",");
  return nodes.length > 1 && new Set(nodes.map(key)).size > 1;
}

/**
 * The split of a build of `target` (default: the last stage) for `platform` on a builder's nodes, or
 * undefined when it runs on one node as before; `contexts`: the stages replaced by named contexts.
 * Errors (OptionError) before anything is built.
 */
export function planNodes(
  builder: string,
  nodes: readonly PlanNode[],
  graph: readonly Stage[],
  platform: string,
  target?: string,
  contexts: readonly string[] = [],
): NodePlan | undefined {
  if (!nodesDiffer(nodes)) return undefined;
  // A stage given as a named context (`sources`) is not built: each node takes the context itself.
  const stages = graph.map((s) => (contexts.includes(s.name) ? { ...s, runs: false, refs: [] } : s));
  const byName = new Map(stages.map((s) => [s.name, s]));
  const original = new Map(graph.map((s) => [s.name, s]));
  const final = target ?? stages[stages.length - 1]?.name;
  if (final === undefined || !byName.has(final)) return undefined;
  const targetStages = stages.filter((s) => s.runs && s.platform === "target" && reachable(byName, final).includes(s)).map((s) => s.name);
  const buildNode = nodes[0]!.name;
  const targetNode = targetStages.length === 0 ? buildNode : targetNodeOf(builder, nodes, platform, targetStages).name;
  if (targetNode === buildNode) return undefined;

  const nodeOf = nodeAssigner(byName, buildNode, targetNode);
  const solves = new Map<string, NodeSolve>();
  const readers = new Map<string, Array<Stage["refs"][number]>>();
  const order: string[] = [];
  const plan = (stage: string): void => {
    if (solves.has(stage)) return;
    const node = nodeOf(stage) ?? buildNode;
    const { runs, takes, seen } = walk(byName, stage, node, nodeOf, readers);
    runs.sort((a, b) => stages.findIndex((s) => s.name === a) - stages.findIndex((s) => s.name === b));
    const images = (s: Stage) => s.base !== "scratch" && !byName.has(s.base);
    const unused = reachable(original, stage)
      .filter((s) => !seen.has(s.name) && !takes.includes(s.name) && !contexts.includes(s.name) && images(s))
      .map((s) => s.name);
    solves.set(stage, { node, stage, target: stage, runs, takes, unused });
    for (const t of takes) plan(t);
    order.push(stage);
  };
  plan(final);
  let appended = "";
  for (const stage of order) {
    if (stage === final) continue;
    const solve = solves.get(stage)!;
    const paths = copiedPaths(readers.get(stage) ?? []);
    if (paths) {
      solve.target = `${HANDOFF_PREFIX}${stage}`;
      if (byName.has(solve.target))
        throw new OptionError(
          "--builder",
          builder,
          `a Dockerfile with no stage named ${solve.target}`,
          "lfs-docker names the stage it appends to hand a stage's files to another node so",
        );
      appended += `\nFROM scratch AS ${solve.target}\n${paths.map((p) => `COPY --from=${stage} ${p} ${copyDest(p)}\n`).join("")}`;
    }
    solve.handoff = paths ? { paths } : {};
  }
  // Handovers first (each after those it takes), the build's own target last.
  const sorted = order.map((s) => solves.get(s)!);
  return { builder, buildNode, targetNode, solves: sorted, appended };
}

/** Every stage `name` reads, itself included. */
function reachable(byName: Map<string, Stage>, name: string, seen = new Set<string>()): Stage[] {
  const s = byName.get(name);
  if (!s || seen.has(name)) return [];
  seen.add(name);
  return [s, ...s.refs.flatMap((r) => reachable(byName, r.stage, seen))];
}

/** The node of each stage: its platform's for those that run, else the one node of what it reads (undefined: any). */
function nodeAssigner(byName: Map<string, Stage>, buildNode: string, targetNode: string): (stage: string) => string | undefined {
  const memo = new Map<string, string | undefined>();
  const of = (name: string): string | undefined => {
    if (memo.has(name)) return memo.get(name);
    const s = byName.get(name)!;
    let node: string | undefined;
    if (s.runs) node = s.platform === "build" ? buildNode : targetNode;
    else {
      const from = new Set(s.refs.map((r) => of(r.stage)).filter((n): n is string => n !== undefined));
      node = from.size === 1 ? [...from][0] : undefined;
    }
    memo.set(name, node);
    return node;
  };
  return of;
}

/** What a solve of `stage` on `node` builds, and the stages it must take from other nodes. */
function walk(
  byName: Map<string, Stage>,
  stage: string,
  node: string,
  nodeOf: (s: string) => string | undefined,
  readers: Map<string, Array<Stage["refs"][number]>>,
): { runs: string[]; takes: string[]; seen: Set<string> } {
  const runs: string[] = [];
  const takes: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const s = byName.get(name)!;
    if (s.runs) runs.push(name);
    for (const r of s.refs) {
      const other = nodeOf(r.stage);
      if (other === undefined || other === node) visit(r.stage);
      else {
        if (!takes.includes(r.stage)) takes.push(r.stage);
        readers.set(r.stage, [...(readers.get(r.stage) ?? []), r]);
      }
    }
  };
  visit(stage);
  return { runs, takes, seen };
}

/** Paths a handover can be limited to: every reader copies plain absolute paths from it. */
function copiedPaths(refs: ReadonlyArray<Stage["refs"][number]>): string[] | undefined {
  if (refs.length === 0 || refs.some((r) => r.kind !== "copy" || !r.paths?.length)) return undefined;
  const paths = [...new Set(refs.flatMap((r) => r.paths!))];
  return paths.every((p) => /^\/[A-Za-z0-9._+@/*?-]*$/.test(p) && !p.includes("..")) ? paths.sort() : undefined;
}

/** Where the appended stage puts a path: the same place (a pattern: into its directory). */
function copyDest(path: string): string {
  if (!/[*?]/.test(path)) return path;
  return path.slice(0, path.lastIndexOf("/") + 1) || "/";
}
