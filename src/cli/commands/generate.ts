import { existsSync, readFileSync, renameSync, writeFileSync, unlinkSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import type { CommandModule } from "yargs";
import { OptionError } from "../../errors.js";
import { generate } from "../../render/dockerfile.js";
import type { Io } from "../run.js";
import { toGenerateOptions, withBookOptions, type BookArgs } from "./options.js";

interface GenerateArgs extends BookArgs {
  output: string;
  force: boolean;
}

/**
 * Write `text` to `file` atomically (temporary file + rename), refusing to replace a different
 * existing file unless forced.
 */
export function writeOutput(file: string, text: string, force: boolean): void {
  if (existsSync(file)) {
    let current: string | undefined;
    try {
      current = readFileSync(file, "utf8");
    } catch (err) {
      throw new OptionError("--output", file, "a writable file path, or - for standard output", (err as NodeJS.ErrnoException).code);
    }
    if (current === text) return;
    if (!force) throw new OptionError("--output", file, "a new file, the same content, or --force to replace it", "the file exists and differs");
  }
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: "wx" });
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* the temporary file was never made */
    }
    throw new OptionError("--output", file, "a writable file path, or - for standard output", (err as NodeJS.ErrnoException).code);
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
    handler: (args) => {
      const text = generate(toGenerateOptions(args));
      if (args.output === "-") io.stdout.write(text);
      else writeOutput(args.output, text, args.force);
    },
  };
}
