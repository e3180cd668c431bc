import { BookError, OptionError } from "../errors.js";
import { editionSections, editionSources, loadBookDir } from "../book/load.js";
import { defaultSourceDir } from "../book/script.js";
import type { Book, EditionSection, SourceFile, StageName } from "../book/types.js";
import { resolveOptions, type GenerateOptions, type ResolvedOptions } from "../options.js";
import { compile, createEngine, loadTemplate, type TemplateEngine } from "./engine.js";
import { version } from "../version.js";
import { dockerfileProblem } from "../text/dockerfile-value.js";
import { takeStepMap, type StepMap } from "./step-map.js";

/** Where each stage mounts the book's sources: $LFS/sources on the host, /sources in the chroot. */
const SOURCES_DIR: Record<StageName, string> = { host: "/mnt/lfs/sources", toolchain: "/sources", kernel: "/sources", system: "/sources" };
const SOURCES_VAR: Record<StageName, string> = { host: "$LFS/sources", toolchain: "/sources", kernel: "/sources", system: "/sources" };
/** The stages whose sections build on the container's disk rather than in a tmpfs (see renderSection). */
const TREE_ON_DISK: readonly StageName[] = ["system"];
/** Where the kernel stage installs what its sections build; the system stage copies it to /. */
export const KERNEL_ROOT = "/lfs-kernel";

/** One RUN (or one explanatory comment) of the Dockerfile, ready for templates/partials/section.hbs. */
export interface RenderedSection {
  number: string;
  title: string;
  url: string;
  script: string;
  /** Set for sections the container does instead of commands. */
  container?: string;
  /** Set in the system stage for a section built in another stage: that stage's name (COPY --from). */
  copyFrom?: string;
  /** `USER x` to emit before this section, when the user changes. */
  switchUser?: string;
  mounts: string[];
  prelude: string[];
  /** Lines after the book's commands (the build tree removed, where it is on disk). */
  epilogue: string[];
  body: string;
  /** ENV lines to emit after this section (the book's environment set-up sections). */
  env: string[];
}

export interface RenderedStage {
  name: StageName;
  sections: RenderedSection[];
}

const pageUrl = (book: Book, o: ResolvedOptions, s: EditionSection): string =>
  book.pages
    .replaceAll("{release}", book.release)
    .replaceAll("{-systemd}", o.init === "systemd" ? "-systemd" : "")
    .replaceAll("{chapter}", String(s.chapter).padStart(2, "0"))
    .replaceAll("{page}", s.page);

function stageEnv(stage: StageName, page: string, o: ResolvedOptions): string[] {
  if (stage === "host" && page === "settingenviron") {
    return ["LC_ALL=POSIX", `LFS_TGT=${o.arch.triple}`, "PATH=/mnt/lfs/tools/bin:/usr/bin:/bin", "CONFIG_SITE=/mnt/lfs/usr/share/config.site"];
  }
  if (stage === "toolchain" && page === "chroot") {
    return ["HOME=/root", `PS1="(lfs chroot) \\u:\\w\\$ "`, "PATH=/usr/bin:/usr/sbin"];
  }
  return [];
}

function renderSection(hb: TemplateEngine, book: Book, o: ResolvedOptions, s: EditionSection, context: object): RenderedSection {
  const script = s.script;
  if (!script) throw new BookError(book.dir, `section ${s.number} ${s.page} has no script`);
  const base = {
    number: s.number,
    title: s.title,
    url: pageUrl(book, o, s),
    script: script.path,
    env: stageEnv(s.stage, s.page, o),
  };
  if (script.header.container !== undefined) {
    return { ...base, container: script.header.container, mounts: [], prelude: [], body: "", epilogue: [] };
  }
  let body: string;
  try {
    body = compile(hb, script.body)(context).replace(/\s+$/, "");
  } catch (err) {
    throw new BookError(script.path, `cannot render: ${(err as Error).message}`, { cause: err });
  }
  // The rendered body goes into the RUN's heredoc: the one rule for values entering the Dockerfile.
  const problem = dockerfileProblem(body, "text");
  if (problem) throw new BookError(script.path, `as rendered, ${problem}`);

  const dir = SOURCES_DIR[s.stage];
  const files = [...(script.header.unpack ? [script.header.unpack] : []), ...script.header.uses];
  // Nothing in a section needs the network: every file comes from the sources stage (or the named
  // context that replaces it), so the build of the book is hermetic and cannot fetch behind our back.
  const mounts: string[] = ["--network=none"];
  // The book's chroot has a tmpfs on /run and one on /dev/shm (7.3); the engine leaves /run a
  // directory of the image and gives /dev/shm 64 MiB, where the book's is as large as any tmpfs.
  if (s.stage === "toolchain" || s.stage === "system") mounts.push("--mount=type=tmpfs,target=/run", "--mount=type=tmpfs,target=/dev/shm");
  // The build tree: in a tmpfs of its own in the host, toolchain and kernel stages (nothing to remove;
  // the largest, GCC's pass 2, holds 3.3 GiB); on the container's disk in the system stage, removed
  // when the section ends (as the book removes each package's directory): chapter 8's trees, with
  // their tests, in memory, would not fit a builder with 8 GiB. Either way no tree reaches a layer.
  const onDisk = TREE_ON_DISK.includes(s.stage);
  if (files.length > 0) {
    if (!onDisk) mounts.push(`--mount=type=tmpfs,target=${dir}`);
    for (const f of files) mounts.push(`--mount=type=bind,from=sources,source=${f},target=${dir}/${f}`);
  }
  if (script.header.secret) mounts.push(`--mount=type=secret,id=${script.header.secret},required=false`);

  // The first line names the section: BuildKit shows a heredoc's first line in the step's name, so
  // buildx's progress says which section runs. The stage's SHELL (the book's shell) runs the script.
  const prelude = [`# ${s.number}. ${s.title}`, "set -euo pipefail"];
  if (s.stage === "host" && s.user === "lfs") prelude.push("set +h", "umask 022");
  // The book's MAKEFLAGS and TESTSUITEFLAGS (4.4, 7.4), for the sections that build something.
  if (files.length > 0) prelude.push('export MAKEFLAGS="-j${JOBS:-$(nproc)}" TESTSUITEFLAGS="-j${JOBS:-$(nproc)}"');
  if (script.header.unpack) {
    prelude.push(`cd ${SOURCES_VAR[s.stage]}`, `tar -xf ${script.header.unpack}`, `cd ${script.header.dir ?? defaultSourceDir(script.header.unpack)}`);
  } else if (files.length > 0) {
    prelude.push(`cd ${SOURCES_VAR[s.stage]}`);
  }
  const epilogue =
    onDisk && files.length > 0
      ? [
          `# lfs-docker: the build tree is on the container's disk: removed, so that it lands in no layer`,
          "cd /",
          `find ${dir} -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +`,
        ]
      : [];
  return { ...base, mounts, prelude, body, epilogue };
}

export interface DockerfileModel {
  options: ResolvedOptions;
  book: Book;
  sources: SourceFile[];
  stages: RenderedStage[];
}

/** Everything the Dockerfile template needs, computed from the options (pure). */
export function dockerfileModel(options: GenerateOptions = {}, hb: TemplateEngine = createEngine()): DockerfileModel {
  const o = resolveOptions(options);
  return resolvedDockerfileModel(o, loadBookDir(o.bookDir), hb);
}

/** dockerfileModel, from options already resolved and their book loaded. */
export function resolvedDockerfileModel(o: ResolvedOptions, book: Book, hb: TemplateEngine = createEngine()): DockerfileModel {
  const all = editionSections(book, o.init);
  let end = all.length;
  if (o.until !== undefined) {
    end = all.findIndex((s) => s.number === o.until) + 1;
    if (end === 0) throw new OptionError("until", o.until, `a section of the ${o.init} edition, ${all[0]?.number} to ${all.at(-1)?.number}`);
  }
  const sections = all.slice(0, end).filter((s) => !s.text && s.script);
  const context = {
    sysv: o.init === "sysv",
    systemd: o.init === "systemd",
    tests: o.tests,
    book: { release: book.release, title: book.title },
    arch: { name: o.arch.name, triple: o.arch.triple, serialConsole: o.arch.serialConsole, kernelArch: o.arch.kernelArch, kernelImage: o.arch.kernelImage },
    config: { ...o.config, kernelFragment: [book.kernelConfig.trimEnd(), o.kernelFragment.trimEnd()].filter(Boolean).join("\n") },
  };
  // A kernel section runs in the kernel stage and is installed into the system stage at its place.
  const inStage = (s: EditionSection, name: StageName) => s.stage === name || (name === "system" && s.stage === "kernel");
  const stageNames = (["host", "toolchain", "kernel", "system"] as const).filter(
    (name, i) => (o.until === undefined && name !== "kernel") || i === 0 || sections.some((s) => inStage(s, name)),
  );
  const stages: RenderedStage[] = stageNames.map((name) => {
    let user = "root";
    const rendered = sections
      .filter((s) => inStage(s, name))
      .map((s) => {
        if (s.stage !== name) {
          const r = renderSection(hb, book, o, s, context);
          return { ...r, copyFrom: s.stage, mounts: [], prelude: [], body: "", epilogue: [], env: [] };
        }
        const r = renderSection(hb, book, o, s, context);
        if (!r.container && s.user !== user) {
          user = s.user;
          r.switchUser = user;
        }
        return r;
      });
    if (user !== "root" && o.until === undefined) throw new BookError(book.dir, `stage ${name} ends as user ${user}; its last section must run as root`);
    return { name, sections: rendered };
  });
  return { options: o, book, sources: editionSources(book, o.init), stages };
}

/**
 * Render the self-contained multi-stage Dockerfile for the options: pure and deterministic (the same
 * options and the same stages/ and templates/ give the same bytes).
 */
export function generate(options: GenerateOptions = {}, hb: TemplateEngine = createEngine()): string {
  return renderDockerfile(dockerfileModel(options, hb), hb).text;
}

/**
 * The Dockerfile of a model, and the map from each of its steps to its stage, its number as
 * BuildKit counts it and its book section (see step-map.ts): what generate() prints, and what a
 * build's report, progress and time left read.
 */
export function renderDockerfile(model: DockerfileModel, hb: TemplateEngine = createEngine()): { text: string; map: StepMap } {
  const o = model.options;
  const stage = (name: StageName) => model.stages.find((s) => s.name === name);
  const marked = loadTemplate(
    hb,
    "Dockerfile.hbs",
  )({
    version,
    o,
    book: model.book,
    bashBook: model.book.shell === "/bin/bash",
    editionName: o.init === "systemd" ? "systemd edition" : "System V edition",
    sources: model.sources,
    host: stage("host"),
    toolchain: stage("toolchain"),
    kernel: stage("kernel"),
    kernelRoot: KERNEL_ROOT,
    kernelBook: `section ${(stage("kernel")?.sections ?? []).map((s) => s.number).join(", ")}`.padEnd(27),
    system: stage("system"),
    isoName: isoFileName(o),
    volumeId: volumeId(o),
    full: o.until === undefined,
    jobs: o.jobs ?? "",
  });
  // The marks sit inside lines, never between two line breaks: the blank lines fold as without them.
  return takeStepMap(marked.replace(/\n{3,}/g, "\n\n").replace(/\s+$/, "") + "\n");
}

/** The ISO 9660 volume identifier: at most 32 of A-Z, 0-9 and _ (ECMA-119 d-characters). */
export function volumeId(o: Pick<ResolvedOptions, "release" | "arch" | "init">): string {
  return `LFS_${o.release}`
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, "_")
    .slice(0, 32);
}

/** The ISO's file name inside the output directory. */
export function isoFileName(o: Pick<ResolvedOptions, "release" | "arch" | "init">): string {
  return `lfs-${o.release}-${o.init}-${o.arch.name}.iso`;
}
