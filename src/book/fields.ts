/**
 * Small checkers for JSON book data: each reads one field of an object, checks its type and what it
 * may hold, and throws a BookError naming the file, the field and what is accepted.
 */
import { BookError } from "../errors.js";
import { excerpt } from "../text/terminal.js";
import { dockerfileProblem, type ValueKind } from "../text/dockerfile-value.js";

export type JsonObject = Record<string, unknown>;

/** Where a value sits: the file (as errors name it) and the path to the field, e.g. `chapters[2].title`. */
export interface Place {
  readonly file: string;
  readonly path: string;
}

export const at = (p: Place, key: string | number): Place => ({
  file: p.file,
  path: typeof key === "number" ? `${p.path}[${key}]` : p.path ? `${p.path}.${key}` : key,
});

/** The BookError for a field: `FILE: FIELD: got VALUE; accepted: WHAT`. */
export function fieldError(p: Place, accepted: string, value?: unknown, detail?: string): BookError {
  const got = value === undefined ? "missing" : typeof value === "string" ? `got ${excerpt(value)}` : `got ${describe(value)}`;
  return new BookError(p.file, `${p.path || "(top level)"}: ${got}${detail ? ` (${detail})` : ""}; accepted: ${accepted}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${excerpt(String(value))}`;
}

export function asObject(p: Place, value: unknown, allowed: readonly string[]): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fieldError(p, "a JSON object", value);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw fieldError(at(p, key), `only the fields ${allowed.join(", ")}`, undefined, `unknown field ${excerpt(key)}`);
  }
  return value as JsonObject;
}

export function asArray(p: Place, value: unknown, min = 0): unknown[] {
  if (!Array.isArray(value) || value.length < min) throw fieldError(p, min > 0 ? `an array of at least ${min}` : "an array", value);
  return value;
}

export interface StringRule {
  /** What the value must match entirely. */
  readonly pattern?: RegExp;
  /** Longest accepted length. */
  readonly max: number;
  /** Where it goes in the Dockerfile (every string goes through the Dockerfile rule). */
  readonly kind: ValueKind;
  /** What is accepted, for the message. */
  readonly accepted: string;
}

export function asString(p: Place, value: unknown, rule: StringRule): string {
  if (typeof value !== "string") throw fieldError(p, rule.accepted, value);
  const problem = dockerfileProblem(value, rule.kind);
  if (problem !== undefined) throw fieldError(p, rule.accepted, value, problem);
  if (value.length > rule.max) throw fieldError(p, rule.accepted, value, `longer than ${rule.max} characters`);
  if (rule.pattern && !rule.pattern.test(value)) throw fieldError(p, rule.accepted, value);
  return value;
}

export function optionalString(p: Place, value: unknown, rule: StringRule): string | undefined {
  return value === undefined ? undefined : asString(p, value, rule);
}

export function asOneOf<T extends string>(p: Place, value: unknown, choices: readonly T[]): T {
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) throw fieldError(p, choices.join(", "), value);
  return value as T;
}

export function asInteger(p: Place, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) throw fieldError(p, `a whole number from ${min} to ${max}`, value);
  return value;
}

/** Rules shared by the book's files and the script headers. */
export const RULES = {
  /** A plain file name: no directory, no leading dot or dash, no space. */
  fileName: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/,
    max: 200,
    kind: "line",
    accepted: "a plain file name (letters, digits, . _ + ~ -, not starting with . or -)",
  },
  /** A relative directory inside an unpacked tarball. */
  relativeDir: {
    pattern: /^(?!\.\.?(\/|$))[A-Za-z0-9._+~-]+(\/(?!\.\.?(\/|$))[A-Za-z0-9._+~-]+)*$/,
    max: 200,
    kind: "line",
    accepted: "a relative directory (names of letters, digits, . _ + ~ -, no . or .. part)",
  },
  /** One line of text shown in a comment (titles, names). */
  line: (max: number) => ({ max, kind: "line", accepted: `one line of text, at most ${max} characters, without control characters` }) as const,
} satisfies Record<string, StringRule | ((n: number) => StringRule)>;
