import { excerpt, printable } from "./text/terminal.js";

/** Errors raised by lfs-docker. Each carries a stable `code` so callers (and the CLI) can map it. */
export class LfsDockerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LfsDockerError";
    this.code = code;
  }
}

/** A user-supplied value that is not accepted; the message names the input and what is accepted. */
export class OptionError extends LfsDockerError {
  readonly option: string;
  readonly value: unknown;
  readonly accepted: readonly string[] | string;
  constructor(option: string, value: unknown, accepted: readonly string[] | string, detail?: string) {
    // A short, printable excerpt: a hostile value neither floods nor drives the terminal.
    const shown = typeof value === "string" ? excerpt(value) : printable(String(value).slice(0, 60));
    const acc = typeof accepted === "string" ? accepted : accepted.join(", ");
    super("E_OPTION", `invalid ${option} ${shown}${detail ? ` (${detail})` : ""}; accepted: ${acc}`);
    this.name = "OptionError";
    this.option = option;
    this.value = value;
    this.accepted = accepted;
  }
}

/** The book data under stages/ is inconsistent (a maintainer error, not a user one). */
export class BookError extends LfsDockerError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super("E_BOOK", `${file}: ${message}`, options);
    this.name = "BookError";
    this.file = file;
  }
}
