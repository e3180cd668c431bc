/**
 * `-o, --output` as buildx spells it: `DIR` (a local export), `-` (a tar on standard output), or
 * comma-separated `key=value` pairs with a `type` (`type=local,dest=DIR`, `type=tar,dest=FILE`,
 * `type=cacheonly`). Fields may be double-quoted, as in CSV.
 */
import { OptionError } from "./errors.js";

export type OutputSpec = { type: "local"; dest: string } | { type: "tar"; dest: string } | { type: "cacheonly" };

const ACCEPTED = "DIR, type=local,dest=DIR, type=tar,dest=FILE (- for standard output) or type=cacheonly";

/** Split one CSV record: commas separate fields, double quotes protect commas, "" is a quote. */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") fields.push(field), (field = "");
    else field += c;
  }
  if (quoted) throw new Error("an unclosed double quote");
  fields.push(field);
  return fields;
}

export function parseOutputSpec(spec: string): OutputSpec {
  if (spec === "") throw new OptionError("--output", spec, ACCEPTED);
  if (spec === "-") return { type: "tar", dest: "-" };
  if (!spec.includes("=")) return { type: "local", dest: spec };
  let fields: string[];
  try {
    fields = csvFields(spec);
  } catch (err) {
    throw new OptionError("--output", spec, `${ACCEPTED} (${(err as Error).message})`);
  }
  const attrs = new Map<string, string>();
  for (const f of fields) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new OptionError("--output", spec, `${ACCEPTED}: every field is key=value`);
    const key = f.slice(0, eq).trim().toLowerCase();
    if (attrs.has(key)) throw new OptionError("--output", spec, `${ACCEPTED}: "${key}" is given twice`);
    attrs.set(key, f.slice(eq + 1));
  }
  const type = attrs.get("type");
  const allowed = (...keys: string[]) => {
    const extra = [...attrs.keys()].filter((k) => k !== "type" && !keys.includes(k));
    if (extra.length) throw new OptionError("--output", spec, `${ACCEPTED}: type=${type} takes no "${extra[0]}"`);
  };
  if (type === "local") {
    allowed("dest");
    const dest = attrs.get("dest");
    if (!dest) throw new OptionError("--output", spec, `${ACCEPTED}: type=local needs dest=DIR`);
    return { type: "local", dest };
  }
  if (type === "tar") {
    allowed("dest");
    const dest = attrs.get("dest");
    if (!dest) throw new OptionError("--output", spec, `${ACCEPTED}: type=tar needs dest=FILE or dest=-`);
    return { type: "tar", dest };
  }
  if (type === "cacheonly") {
    allowed();
    return { type: "cacheonly" };
  }
  throw new OptionError("--output", spec, `${ACCEPTED}${type === undefined ? ": the type is missing" : ` (type=${type} is not supported)`}`);
}
