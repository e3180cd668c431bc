import yargs from "yargs";
import { LfsDockerError, OptionError } from "../errors.js";
import { version } from "../version.js";
import { printable } from "../text/terminal.js";
import { redactUrls } from "../text/redact.js";
// Each command module imports at its top only what its options need, and loads what it runs in its
// handler (`await import(...)`): `generate` starts without gRPC, dockerode or tar-stream (bench/cold-start.mjs).
import { generateCommand } from "./commands/generate.js";
import { listCommand } from "./commands/list.js";
import { buildCommand } from "./commands/build.js";
import { doctorCommand } from "./commands/doctor.js";
import { sourcesCommand } from "./commands/sources.js";
import { bootCommand } from "./commands/boot.js";
import { reportCommand } from "./commands/report.js";
import { Interrupted } from "./interrupted.js";
import type { Io } from "./io.js";

/** A usage error: bad flags, bad values. Exit code 2. */
export class UsageError extends LfsDockerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_USAGE", message, options);
    this.name = "UsageError";
  }
}

/** Map an error to the line the user sees and the exit code (2: the input was wrong; 1: anything else). */
export function describeError(err: unknown): { message: string; code: number } {
  if (err instanceof OptionError || err instanceof UsageError) return { message: err.message, code: 2 };
  if (err instanceof Interrupted) return { message: err.message, code: 130 };
  if (err instanceof Error) {
    let message = err.message;
    let cause = (err as { cause?: unknown }).cause;
    while (cause instanceof Error) {
      if (!message.includes(cause.message)) message += `: ${cause.message}`;
      cause = (cause as { cause?: unknown }).cause;
    }
    return { message, code: 1 };
  }
  return { message: String(err), code: 1 };
}

/** Run the CLI with the given arguments; resolves to the exit code. Never calls process.exit. */
export async function run(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parser = yargs(argv)
    .scriptName("lfs-docker")
    .parserConfiguration({ "camel-case-expansion": false, "boolean-negation": false })
    .usage("$0 <command> [options]\n\nLinux From Scratch, built by BuildKit, section by section.")
    .command(generateCommand(io))
    .command(listCommand(io))
    .command(buildCommand(io))
    .command(doctorCommand(io))
    .command(sourcesCommand(io))
    .command(bootCommand(io))
    .command(reportCommand(io))
    .demandCommand(1, "name a command: generate, list, build, report, boot, doctor or sources (see --help)")
    .strict()
    .recommendCommands()
    .version(version)
    .help()
    .alias("h", "help")
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg: string | undefined, err: Error | undefined) => {
      // Throwing stops yargs before any handler runs (returning would let it go on).
      throw err ?? new UsageError(msg ?? "invalid command line");
    })
    .exitProcess(false);
  try {
    await parser.parseAsync();
    return 0;
  } catch (failure) {
    return report(failure, io);
  }
}

function report(failure: unknown, io: Io): number {
  const { message, code } = describeError(failure);
  // Messages carry daemons' and servers' text: each line escaped, every URL's credentials redacted.
  const shown = redactUrls(message).split("\n").map(printable).join("\n");
  io.stderr.write(`lfs-docker: ${shown}\n`);
  if (code === 2 && !(failure instanceof OptionError)) io.stderr.write("Run `lfs-docker --help` for usage.\n");
  return code;
}
