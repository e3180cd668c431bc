/**
 * The stages of a Dockerfile and what each reads from the others, as far as the split of a build
 * across a builder's nodes needs to know (node-plan.ts): each stage's base (`FROM`), its platform
 * (`--platform=$BUILDPLATFORM`: the build machine's; none: the target's, or its base stage's), whether
 * it runs anything (`RUN`), and its references to other stages: `FROM stage`, `COPY --from=stage
 * PATHS`, `RUN --mount=...,from=stage`. Heredoc bodies and continuation lines are read as the
 * instruction they belong to, never as instructions of their own.
 *
 * Pure: the generated Dockerfile in, the graph out.
 */

export type StagePlatform = "build" | "target";

export interface StageRef {
  stage: string;
  /** How it is read: the whole stage (`from`, `mount`), or only these paths (`copy`). */
  kind: "from" | "copy" | "mount";
  /** The source paths of a `COPY --from`. */
  paths?: string[];
}

export interface Stage {
  name: string;
  /** The FROM's image, or the name of the stage it starts from. */
  base: string;
  platform: StagePlatform;
  /** Has a RUN: must execute on a node of its platform. */
  runs: boolean;
  refs: StageRef[];
}

/** The Dockerfile's logical lines: continuation lines joined, heredoc bodies dropped. */
export function instructions(dockerfile: string): string[] {
  const out: string[] = [];
  let heredocs: string[] = [];
  let current: string | undefined;
  for (const line of dockerfile.split("\n")) {
    if (heredocs.length > 0) {
      const end = heredocs[0]!;
      if (line === end || line.replace(/^\t+/, "") === end) heredocs.shift();
      continue;
    }
    if (current === undefined && (line.trim() === "" || /^\s*#/.test(line))) continue;
    const joined = current === undefined ? line.trim() : `${current} ${line.trim()}`;
    if (joined.endsWith("\\")) {
      current = joined.slice(0, -1).trimEnd();
      continue;
    }
    current = undefined;
    out.push(joined);
    heredocs = [...joined.matchAll(/<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g)].map((m) => m[2]!);
  }
  if (current !== undefined) out.push(current);
  return out;
}

/** `--name=value` flags at the start of an instruction's arguments, and the words after them. */
function flagsAndWords(args: string): { flags: Array<[string, string]>; words: string[] } {
  const words = args.split(/\s+/).filter(Boolean);
  const flags: Array<[string, string]> = [];
  while (words[0]?.startsWith("--")) {
    const w = words.shift()!;
    const eq = w.indexOf("=");
    flags.push(eq < 0 ? [w.slice(2), ""] : [w.slice(2, eq), w.slice(eq + 1)]);
  }
  return { flags, words };
}

function mountFrom(spec: string): string | undefined {
  for (const part of spec.split(",")) {
    const [k, v] = part.split("=", 2);
    if (k === "from" && v) return v;
  }
  return undefined;
}

/**
 * The stages (or images) one instruction other than FROM reads: `RUN --mount=...,from=NAME` and
 * `COPY --from=NAME PATHS` (or ADD), with the paths copied. Heredoc COPYs read from no stage.
 */
export function instructionRefs(instruction: string): StageRef[] {
  const m = /^(\w+)\s*(.*)$/s.exec(instruction);
  if (!m) return [];
  const keyword = m[1]!.toUpperCase();
  const { flags, words } = flagsAndWords(m[2]!);
  if (keyword === "RUN")
    return flags.flatMap(([k, v]) => {
      const from = k === "mount" ? mountFrom(v) : undefined;
      return from ? [{ stage: from, kind: "mount" as const }] : [];
    });
  if (keyword !== "COPY" && keyword !== "ADD") return [];
  const from = flags.find(([k]) => k === "from")?.[1];
  return from && !words[0]?.startsWith("<<") ? [{ stage: from, kind: "copy", paths: words.slice(0, -1) }] : [];
}

/** The stages of a Dockerfile, in order. References to names that are not stages (images) are left out. */
export function stageGraph(dockerfile: string): Stage[] {
  const stages: Stage[] = [];
  const raw: Array<{ stage: Stage; refs: StageRef[] }> = [];
  for (const ins of instructions(dockerfile)) {
    const m = /^(\w+)\s*(.*)$/s.exec(ins);
    if (!m) continue;
    const [keyword, args] = [m[1]!.toUpperCase(), m[2]!];
    if (keyword === "FROM") {
      const { flags, words } = flagsAndWords(args);
      const platform = flags.find(([k]) => k === "platform")?.[1];
      const name = words[1]?.toUpperCase() === "AS" ? words[2]! : `#${stages.length}`;
      const stage: Stage = {
        name,
        base: words[0] ?? "",
        platform: platform === "$BUILDPLATFORM" || platform === "${BUILDPLATFORM}" ? "build" : "target",
        runs: false,
        refs: [],
      };
      stages.push(stage);
      raw.push({ stage, refs: [] });
      continue;
    }
    const cur = raw[raw.length - 1];
    if (!cur) continue;
    if (keyword === "RUN") cur.stage.runs = true;
    cur.refs.push(...instructionRefs(ins));
  }
  const names = new Set(stages.map((s) => s.name));
  for (const { stage, refs } of raw) {
    const base: StageRef[] = names.has(stage.base) ? [{ stage: stage.base, kind: "from" }] : [];
    const seen = new Set<string>();
    stage.refs = [...base, ...refs].filter((r) => {
      const key = `${r.stage} ${r.kind} ${r.paths?.join(" ") ?? ""}`;
      if (!names.has(r.stage) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // A stage FROM another stage, with no platform of its own, runs where that one does.
    if (base.length > 0 && stage.platform === "target") stage.platform = stages.find((s) => s.name === stage.base)!.platform;
  }
  return stages;
}
