import type { Argv, CommandModule } from "yargs";
import type { BuildOptions } from "../../build-options.js";
import type { OutputSpec } from "../../output-spec.js";
import { OptionError } from "../../errors.js";
import type { ProgressMode } from "../../progress/index.js";
import type { Io } from "../io.js";
import { Interrupted } from "../interrupted.js";
import { printable } from "../../text/terminal.js";
import { toGenerateOptions, withBookOptions, type BookArgs } from "./options.js";

interface BuildArgs extends BookArgs {
  /** Repeated -o gives several (yargs collects them). */
  output?: string | string[] | undefined;
  load: boolean;
  push: boolean;
  tag?: string[] | undefined;
  "metadata-file"?: string | undefined;
  "no-cache-filter"?: string[] | undefined;
  platform?: string[] | undefined;
  allow?: string[] | undefined;
  "report-dir"?: string | undefined;
  target?: string | undefined;
  builder?: string | undefined;
  "stage-registry"?: string | undefined;
  progress: string;
  sources?: string | undefined;
  "no-cache": boolean;
  "cache-to"?: string[] | undefined;
  "cache-from"?: string[] | undefined;
  "no-verify-sources": boolean;
  force: boolean;
  "root-password-file"?: string | undefined;
}

const PROGRESS: readonly ProgressMode[] = ["auto", "tty", "plain", "rawjson", "quiet"];

export function buildCommand(io: Io): CommandModule<object, BuildArgs> {
  return {
    command: "build",
    describe: "generate the Dockerfile, build it with BuildKit and export the ISO and a build report",
    builder: (y) => withInputOptions(withBuilderOptions(withOutputOptions(withBookOptions(y)))) as never,
    handler: (args) => runBuild(io, args),
  };
}

/** Where the result goes, as buildx spells it. */
function withOutputOptions<T>(y: Argv<T>) {
  return y
    .option("output", {
      alias: "o",
      type: "string",
      describe:
        "where the result goes, as buildx spells it (repeatable): DIR (default out), type=local,dest=DIR, type=tar,dest=FILE, - (a tar on standard output), type=oci,dest=FILE (tar=false: dest=DIR), type=docker[,name=NAME][,dest=FILE], type=image,name=NAME[,push=true], type=cacheonly",
    })
    .option("load", { type: "boolean", default: false, describe: "= -o type=docker: the image holding the ISO into the Docker Engine's image store" })
    .option("push", {
      type: "boolean",
      default: false,
      describe: "= -o type=image,push=true: the image holding the ISO pushed to its registry (needs --tag or name=)",
    })
    .option("tag", { alias: "t", type: "string", array: true, requiresArg: true, describe: "name of the image, oci and docker outputs (repeatable)" })
    .option("metadata-file", {
      type: "string",
      describe: "write the build's result metadata (buildx's keys: buildx.build.ref, containerimage.digest, ...) as JSON to FILE",
    })
    .option("report-dir", { type: "string", describe: "directory for build-report.txt/.json/.html (default: the output directory)" });
}

/** What builds it, for which platform, shown how. */
function withBuilderOptions<T>(y: Argv<T>) {
  return y
    .option("target", { type: "string", describe: "stage to build (default: iso)" })
    .option("builder", {
      type: "string",
      describe:
        "a buildx builder's name, or a BuildKit address: unix://, tcp://, docker://, docker-container://NAME (default: BUILDX_BUILDER, the current buildx builder, BUILDKIT_HOST, else the Docker Engine)",
    })
    .option("stage-registry", {
      type: "string",
      describe:
        "with a builder whose nodes have different platforms: the registry repository (no tag) where a node pushes the stages it built for another, e.g. registry.example:5000/lfs-stages",
    })
    .option("platform", {
      type: "string",
      array: true,
      requiresArg: true,
      describe: "accepted when it is the platform of --arch (linux/amd64 for x86_64, linux/arm64 for aarch64)",
    })
    .option("allow", { type: "string", array: true, requiresArg: true, describe: "entitlements the build may use: network.host, security.insecure" })
    .option("progress", {
      type: "string",
      default: process.env.BUILDKIT_PROGRESS || "auto",
      describe: `${PROGRESS.join(" | ")} | none (= quiet); default: BUILDKIT_PROGRESS, else auto`,
    });
}

/** What the build reads (the sources, the cache, the password) and may replace. */
function withInputOptions<T>(y: Argv<T>) {
  return y
    .option("sources", { type: "string", describe: "directory holding the book's tarballs and patches (no downloads during the build)" })
    .option("no-verify-sources", {
      type: "boolean",
      default: false,
      describe: "do not check the --sources files against the book's MD5 sums before building",
    })
    .option("no-cache", { type: "boolean", default: false })
    .option("no-cache-filter", { type: "string", array: true, requiresArg: true, describe: "build these stages without the cache (repeatable)" })
    .option("cache-to", {
      type: "string",
      array: true,
      nargs: 1,
      describe:
        "export the build cache, as buildx spells it (repeatable): type=registry,ref=IMAGE, type=local,dest=DIR, type=inline, or type=NAME,key=value,...; mode=max unless mode=min",
    })
    .option("cache-from", {
      type: "string",
      array: true,
      nargs: 1,
      describe: "import a build cache (repeatable): IMAGE (a registry cache), type=registry,ref=IMAGE, type=local,src=DIR, or type=NAME,key=value,...",
    })
    .option("force", {
      type: "boolean",
      default: false,
      describe: "replace files of the same names in the output directory, an existing output file or metadata file",
    })
    .option("root-password-file", { type: "string", describe: "file holding the root password (default password: lfs)" });
}

async function runBuild(io: Io, args: BuildArgs): Promise<void> {
  if (args.progress === "none") args.progress = "quiet"; // buildx's newer word for it
  if (!(PROGRESS as readonly string[]).includes(args.progress)) throw new OptionError("--progress", args.progress, [...PROGRESS, "none"]);
  // Loaded here, not at the top: the other commands start without BuildKit's client.
  const [{ build }, { combineOutputs }] = await Promise.all([import("../../build.js"), import("../../output-spec.js")]);
  // No -o, --load or --push: the ISO into ./out, as before.
  const given = args.output === undefined ? (args.load || args.push ? [] : ["out"]) : ([] as string[]).concat(args.output);
  const outputs = combineOutputs(given, { load: args.load, push: args.push, ...(args.tag && { tags: args.tag }) });
  const options = await toBuildOptions(io, args, outputs);
  const result = await interruptible((signal) => build({ ...options, signal }));
  // With a tar on standard output, the names go to standard error: stdout is the archive.
  const out = outputs.some((o) => "dest" in o && o.dest === "-") ? io.stderr : io.stdout;
  for (const line of [...result.files, ...result.images, result.metadataFile, result.reportFile, result.htmlReportFile]) if (line) out.write(`${line}\n`);
}

/** The command line as build()'s options (the cache specs checked here, before anything else). */
async function toBuildOptions(io: Io, args: BuildArgs, outputs: OutputSpec[]): Promise<BuildOptions> {
  const { cacheEntries } = await import("../../cache-spec.js");
  return {
    ...toGenerateOptions(args),
    output: outputs,
    ...(args["metadata-file"] !== undefined && { metadataFile: args["metadata-file"] }),
    ...(args["no-cache-filter"] !== undefined && { noCacheFilter: args["no-cache-filter"] }),
    ...(args.platform !== undefined && { platform: args.platform }),
    ...(args.allow !== undefined && { allow: args.allow }),
    ...(args["report-dir"] !== undefined && { reportDir: args["report-dir"] }),
    ...(args.target !== undefined && { target: args.target }),
    ...(args.builder !== undefined && { builder: args.builder }),
    ...(args["stage-registry"] !== undefined && { stageRegistry: args["stage-registry"] }),
    progress: args.progress as ProgressMode,
    ...(args.sources !== undefined && { sources: args.sources, verifySources: !args["no-verify-sources"] }),
    noCache: args["no-cache"],
    cacheTo: cacheEntries("--cache-to", args["cache-to"]),
    cacheFrom: cacheEntries("--cache-from", args["cache-from"]),
    onWarning: (m) => io.stderr.write(`lfs-docker: warning: ${printable(m)}\n`),
    force: args.force,
    ...(args["root-password-file"] !== undefined && { rootPasswordFile: args["root-password-file"] }),
  };
}

/** Runs `task` with a signal that SIGINT and SIGTERM abort; an interrupted task ends in Interrupted (exit 130). */
async function interruptible<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let interrupted: string | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    controller.abort(new Interrupted(sig));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await task(controller.signal);
  } catch (err) {
    if (interrupted) throw new Interrupted(interrupted);
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
