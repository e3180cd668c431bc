import type { CommandModule } from "yargs";
import { OptionError } from "../../errors.js";
import { readBounded, ReadRefused } from "../../fs/bounded-read.js";
import { checkReplaceable, writeFileSafe, WriteRefused } from "../../fs/safe-write.js";
import type { Io } from "../io.js";
import { toGenerateOptions, withBookOptions, type BookArgs } from "./options.js";

interface GenerateArgs extends BookArgs {
  output: string;
  force: boolean;
}

const ACCEPTED = "a writable regular file path, or - for standard output";

/** The bytes of the existing output file, or undefined when it is larger than `limit` (so it differs). */
function currentText(file: string, limit: number): string | undefined {
  try {
    return readBounded(file, { maxBytes: limit, noFollow: true }).toString("utf8");
  } catch (err) {
    if (err instanceof ReadRefused && err.code === "TOO_BIG") return undefined;
    throw new OptionError("--output", file, ACCEPTED, (err as Error).message);
  }
}

/**
 * Write `text` to `file` atomically (a new temporary file, never through a link, renamed into place),
 * refusing to replace a different existing file unless forced, and anything but a regular file
 * (a link, a device, a FIFO, a directory) even when forced.
 */
export function writeOutput(file: string, text: string, force: boolean): void {
  let exists: boolean;
  try {
    exists = checkReplaceable(file);
  } catch (err) {
    throw new OptionError("--output", file, ACCEPTED, err instanceof WriteRefused ? err.reason : String(err));
  }
  if (exists) {
    if (currentText(file, Buffer.byteLength(text)) === text) return;
    if (!force) throw new OptionError("--output", file, "a new file, the same content, or --force to replace it", "the file exists and differs");
  }
  try {
    writeFileSafe(file, text);
  } catch (err) {
    throw new OptionError("--output", file, ACCEPTED, err instanceof WriteRefused ? err.reason : String(err));
  }
}

export function generateCommand(io: Io): CommandModule<object, GenerateArgs> {
  return {
    command: "generate",
    describe: "print (or write) the Dockerfile for an architecture and edition of the book",
    builder: (y) =>
      withBookOptions(y)
        .option("output", { alias: "o", type: "string", default: "-", describe: "file to write, or - for standard output" })
        .option("force", { type: "boolean", default: false, describe: "replace an existing, different output file" })
        .example("$0 generate --arch x86_64 --init systemd -o Dockerfile", "write the systemd edition's Dockerfile") as never,
    handler: async (args) => {
      const { generate } = await import("../../render/dockerfile.js");
      const text = generate(toGenerateOptions(args));
      if (args.output === "-") io.stdout.write(text);
      else writeOutput(args.output, text, args.force);
    },
  };
}
