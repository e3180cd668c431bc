/**
 * The map from each step of a generated Dockerfile to its book section, made while the Dockerfile is
 * rendered. The templates mark where each stage starts (`{{stage "host" from="${HOST_IMAGE}"}}` at the
 * start of its FROM line) and wrap every instruction BuildKit counts (RUN, COPY, ADD) in
 * `{{#step}}…{{/step}}` (`{{#step section=number title=title}}` for a book section's RUN). The
 * helpers leave marks in the rendered text, which takeStepMap() removes while it records each step's
 * stage, its number as BuildKit counts it (`[stage k/n]`), its section and the lines it spans: the
 * text without the marks is, byte for byte, what the templates render without the helpers.
 */
import type HandlebarsModule from "handlebars";

/**
 * What a counted step of a stage is: BuildKit names steps `[stage k/n]`, counting RUN, COPY, ADD, and
 * FROM only when the stage starts from an image (a stage that starts from scratch or from another
 * stage has nothing to load: its first RUN or COPY is step 1).
 */
export interface StepInfo {
  stage: string;
  step: number;
  /** Book section number, when the step carries out a section. */
  section?: string;
  title: string;
  /** The step's instruction: FROM, RUN, COPY or ADD. */
  instruction: string;
}

/** A step of a generated Dockerfile, with the (0-based) lines its instruction spans (a heredoc to its end). */
export interface DockerfileStep extends StepInfo {
  firstLine: number;
  lastLine: number;
}

/** A stage of a generated Dockerfile: its name, what its FROM names, its (0-based) lines and its count of steps. */
export interface DockerfileStage {
  name: string;
  /** The FROM's base: an image (`${HOST_IMAGE}`), `scratch` or an earlier stage. */
  base: string;
  firstLine: number;
  lastLine: number;
  /** n in BuildKit's `[stage k/n]`. */
  steps: number;
}

/** Where the stages and steps of a Dockerfile are. */
export interface StepMap {
  stages: DockerfileStage[];
  steps: DockerfileStep[];
}

// The marks: START + JSON + STOP before an instruction or a stage, END after an instruction. Control
// characters no value reaching the Dockerfile may hold (text/dockerfile-value.ts), and JSON escapes them.
const START = "\x01";
const STOP = "\x02";
const END = "\x03";
const MARK = /\x01([^\x02]*)\x02|\x03/g;

interface StageMark {
  stage: string;
  from: string;
}
interface StepMark {
  section?: string;
  title?: string;
}

/** Register the `stage` and `step` helpers the templates mark their stages and steps with. */
export function registerStepHelpers(hb: Pick<typeof HandlebarsModule, "registerHelper">): void {
  hb.registerHelper("stage", (name: unknown, options: HandlebarsModule.HelperOptions) => {
    const mark: StageMark = { stage: String(name), from: String(options.hash.from) };
    return `${START}${JSON.stringify(mark)}${STOP}`;
  });
  hb.registerHelper("step", function (this: unknown, options: HandlebarsModule.HelperOptions) {
    const hash = options.hash as Record<string, unknown>;
    const mark: StepMark = {
      ...(hash.section !== undefined && { section: String(hash.section) }),
      ...(hash.title !== undefined && { title: String(hash.title) }),
    };
    return `${START}${JSON.stringify(mark)}${STOP}${options.fn(this)}${END}`;
  });
}

/** A step as its marks give it, before it is numbered. */
interface Marked {
  stage: string;
  section?: string;
  title?: string;
  firstLine: number;
  lastLine: number;
}

/** The line breaks in `text` (indexOf: a character loop over the 180 kB Dockerfile cost `generate` 18 ms). */
function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** The rendered text without its marks, and the map the marks made. */
export function takeStepMap(marked: string): { text: string; map: StepMap } {
  const parts: string[] = [];
  const stages: DockerfileStage[] = [];
  const found: Marked[] = [];
  let open: Marked | undefined;
  let line = 0;
  let from = 0;
  for (const m of marked.matchAll(MARK)) {
    const chunk = marked.slice(from, m.index);
    parts.push(chunk);
    line += countLines(chunk);
    from = m.index + m[0].length;
    if (m[1] === undefined) {
      if (!open) throw new Error("generated Dockerfile: a step ends that never started (a template's {{/step}})");
      open.lastLine = line;
      open = undefined;
      continue;
    }
    if (open) throw new Error(`generated Dockerfile: a step or stage starts inside the step at line ${open.firstLine + 1}`);
    const mark = JSON.parse(m[1]) as StageMark | StepMark;
    if ("stage" in mark) {
      const last = stages.at(-1);
      if (last) last.lastLine = line - 1;
      // BuildKit counts a FROM as a step when it loads an image: not scratch, not an earlier stage.
      const image = mark.from !== "scratch" && !stages.some((s) => s.name === mark.from);
      stages.push({ name: mark.stage, base: mark.from, firstLine: line, lastLine: line, steps: 0 });
      if (image) found.push({ stage: mark.stage, firstLine: line, lastLine: line });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error("generated Dockerfile: a step before any stage");
    open = { stage: stage.name, ...mark, firstLine: line, lastLine: line };
    found.push(open);
  }
  if (open) throw new Error(`generated Dockerfile: the step at line ${open.firstLine + 1} never ends (a template's {{#step}})`);
  parts.push(marked.slice(from));
  const text = parts.join("");
  const lines = text.split("\n");
  if (stages.length) stages.at(-1)!.lastLine = lines.length - 1;
  const steps = found.map((f): DockerfileStep => {
    const stage = stages.find((x) => x.name === f.stage)!;
    // The instruction is the first word of the step's line; a step with no title of its own is
    // called by that line (a FROM by the whole of it).
    const first = lines[f.firstLine]!;
    const instruction = first.split(" ")[0]!;
    const title = f.title ?? (instruction === "FROM" ? first : first.slice(0, 80));
    return {
      stage: f.stage,
      step: ++stage.steps,
      title,
      instruction,
      ...(f.section !== undefined && { section: f.section }),
      firstLine: f.firstLine,
      lastLine: f.lastLine,
    };
  });
  return { text, map: { stages, steps } };
}
