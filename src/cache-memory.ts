/**
 * Which steps earlier builds finished on each builder, remembered between builds, so that a build can
 * tell when a step it should have found in BuildKit's cache is built again: the cache was evicted (the
 * builder's garbage collector keeps less than the build needs, or someone pruned it). Without this, a
 * resumed build silently spends hours on sections it had already done.
 *
 * A step is known by an identity taken from the Dockerfile's text (where each stage and step is in
 * it: the map the generator emitted with it), as far as its result depends on it: the global ARGs, the target platform, its stage's instructions up to and including it (comments
 * left out), and the identity of every stage it uses (FROM, COPY --from, RUN --mount from=), the
 * `sources` stage excepted (each step names the files it mounts from it, and the stage's text varies
 * with --until). A build in increments (--until) thus knows the steps of the increments before it.
 *
 * Kept in $XDG_CACHE_HOME/lfs-docker/finished-steps.json (default ~/.cache): a file that cannot be
 * read is ignored, one that cannot be written is not an error: it is only a hint.
 */
import { createHash } from "node:crypto";
import { readHintFile, writeHintFile } from "./fs/hint-file.js";
import { dockerfileStepLines } from "./report/build-report.js";
import type { DockerfileStage, StepMap } from "./render/step-map.js";
import { instructionRefs, instructions } from "./stage-graph.js";

/** Most steps remembered per builder (the oldest are forgotten first); a whole book has about 300. */
const MAX_STEPS = 20_000;

const FROM = /^FROM (?:--platform=\S+ )?(\S+) AS (\S+)/;

const meaningful = (line: string) => line.trim() !== "" && !line.startsWith("#");

/** Where the stages and steps of a Dockerfile are, read from its text (for a text lfs-docker did not render). */
export function parsedLayout(dockerfile: string): StepMap {
  const lines = dockerfile.split("\n");
  const stages: DockerfileStage[] = [];
  for (const [i, line] of lines.entries()) {
    const m = FROM.exec(line);
    if (!m) continue;
    if (stages.length) stages.at(-1)!.lastLine = i - 1;
    stages.push({ name: m[2]!, base: m[1]!, firstLine: i, lastLine: lines.length - 1, steps: 0 });
  }
  const steps = dockerfileStepLines(dockerfile).map((s) => ({ ...s.info, firstLine: s.firstLine, lastLine: s.lastLine }));
  for (const s of steps) {
    const stage = stages.find((x) => x.name === s.stage);
    if (stage) stage.steps++;
  }
  return { stages, steps };
}

/**
 * Step key ("stage n", as the build plan has it) -> identity, for every RUN, COPY and ADD. `layout`
 * is where the stages and steps are: the map the generator emitted with the Dockerfile (a build's
 * BuildModel.layout), else read from the text.
 */
export function stepIdentities(dockerfile: string, platform: string, layout: StepMap = parsedLayout(dockerfile)): Map<string, string> {
  const lines = dockerfile.split("\n");
  const stages = layout.stages;
  const header = lines
    .slice(0, stages[0]?.firstLine ?? 0)
    .filter(meaningful)
    .join("\n");
  const memo = new Map<string, string>();
  const identityOf = (text: string, self: string, seen: Set<string>): string => {
    const hash = createHash("sha256").update(`${platform}\n${header}\n${text}\n`);
    const used = new Set(instructions(text).flatMap((i) => instructionRefs(i).map((r) => r.stage)));
    const base = stages.find((s) => s.name === self)?.base;
    if (base !== undefined) used.add(base);
    for (const name of [...used].sort()) {
      if (name === self || name === "sources" || seen.has(name)) continue;
      const stage = stages.find((s) => s.name === name);
      if (!stage) continue; // an image, named in the text already
      hash.update(`uses ${name} ${stageIdentity(stage.name, new Set([...seen, self]))}\n`);
    }
    return hash.digest("hex");
  };
  const stageIdentity = (name: string, seen: Set<string>): string => {
    const known = memo.get(name);
    if (known) return known;
    const s = stages.find((x) => x.name === name)!;
    const id = identityOf(
      lines
        .slice(s.firstLine, s.lastLine + 1)
        .filter(meaningful)
        .join("\n"),
      name,
      seen,
    );
    memo.set(name, id);
    return id;
  };
  const out = new Map<string, string>();
  for (const step of layout.steps) {
    // BuildKit loads a FROM's image for every build (never "cached"): not a step the cache keeps.
    if (step.instruction === "FROM") continue;
    const stage = stages.find((s) => s.name === step.stage);
    if (!stage) continue;
    const text = lines
      .slice(stage.firstLine, step.lastLine + 1)
      .filter(meaningful)
      .join("\n");
    out.set(`${step.stage} ${step.step}`, identityOf(text, stage.name, new Set()));
  }
  return out;
}

type Memory = Record<string, Record<string, string>>;

const FILE = "finished-steps.json";
const read = (env: NodeJS.ProcessEnv) => readHintFile<Memory>(FILE, env) as Memory;

/** The identities of the steps earlier builds finished on this builder. */
export function finishedSteps(builder: string, env: NodeJS.ProcessEnv = process.env): Set<string> {
  const memory = read(env);
  const steps = Object.hasOwn(memory, builder) ? memory[builder] : undefined;
  return new Set(steps && typeof steps === "object" ? Object.keys(steps) : []);
}

/** Remember that these steps finished (built or from the cache) on this builder. */
export function rememberFinished(builder: string, identities: Iterable<string>, env: NodeJS.ProcessEnv = process.env): void {
  const memory = read(env);
  const now = new Date().toISOString();
  const mine: Record<string, string> = Object.hasOwn(memory, builder) && typeof memory[builder] === "object" ? { ...memory[builder] } : {};
  for (const id of identities) mine[id] = now;
  const entries = Object.entries(mine);
  memory[builder] = entries.length > MAX_STEPS ? Object.fromEntries(entries.sort((a, b) => a[1].localeCompare(b[1])).slice(-MAX_STEPS)) : mine;
  writeHintFile(FILE, memory, env);
}
