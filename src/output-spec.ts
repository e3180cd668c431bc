/**
 * `-o, --output` as buildx spells it: `DIR` (a local export), `-` (a tar on standard output), or
 * comma-separated `key=value` pairs with a `type`:
 *
 *   type=local,dest=DIR            the result's files (the ISO) into a directory
 *   type=tar,dest=FILE|-           the same as one tar
 *   type=oci,dest=FILE|-[,name=…]  an OCI image layout as a tar; with tar=false, dest=DIR unpacked
 *   type=docker[,name=…][,dest=FILE|-]
 *                                  a docker image: loaded into the engine's image store, or as a tar
 *   type=image,name=…[,push=true]  an image in the builder's store (the engine's), pushed when asked
 *   type=registry,name=…           = type=image,push=true
 *   type=cacheonly                 the cache only
 *
 * Fields may be double-quoted, as in CSV. `--load` adds type=docker, `--push` type=image,push=true
 * (or sets push=true on a type=image given), and `--tag` names every image output, as in buildx.
 */
import { OptionError } from "./errors.js";
import { isImageReference } from "./options.js";

export type OutputSpec =
  | { type: "local"; dest: string }
  | { type: "tar"; dest: string }
  | { type: "cacheonly" }
  | { type: "oci"; dest: string; tar: boolean; name?: string }
  | { type: "docker"; dest?: string; name?: string }
  | { type: "image"; name?: string; push: boolean };

const ACCEPTED =
  "DIR, type=local,dest=DIR, type=tar,dest=FILE (- for standard output), type=oci,dest=FILE[,tar=false for dest=DIR], " +
  "type=docker[,name=NAME][,dest=FILE], type=image,name=NAME[,push=true], type=registry,name=NAME or type=cacheonly";

/** Split one CSV record: commas separate fields, double quotes protect commas, "" is a quote. */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  if (quoted) throw new Error("an unclosed double quote");
  fields.push(field);
  return fields;
}

/** Go's strconv.ParseBool, which buildx uses for its boolean attributes. */
export function parseBool(value: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

/** Image names: one or several references, comma-separated in one attribute (as BuildKit's `name`). */
export function checkImageNames(option: string, names: string): string {
  for (const n of names.split(",")) {
    if (!isImageReference(n)) throw new OptionError(option, n, "an image reference such as registry.example:5000/team/lfs:12.3 (lower case)");
  }
  return names;
}

function attributes(spec: string): Map<string, string> {
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
  return attrs;
}

export function parseOutputSpec(spec: string): OutputSpec {
  if (spec === "") throw new OptionError("--output", spec, ACCEPTED);
  if (spec === "-") return { type: "tar", dest: "-" };
  if (!spec.includes("=")) return { type: "local", dest: spec };
  const attrs = attributes(spec);
  const type = attrs.get("type");
  const fail = (why: string) => new OptionError("--output", spec, `${ACCEPTED}: ${why}`);
  const allowed = (...keys: string[]) => {
    const extra = [...attrs.keys()].filter((k) => k !== "type" && !keys.includes(k));
    if (extra.length) throw fail(`type=${type} takes no "${extra[0]}"`);
  };
  const bool = (key: string, fallback: boolean) => {
    const v = attrs.get(key);
    if (v === undefined) return fallback;
    const b = parseBool(v);
    if (b === undefined) throw fail(`${key}=${v} is not true or false`);
    return b;
  };
  const name = () => {
    const n = attrs.get("name");
    return n === undefined ? {} : { name: checkImageNames("--output name", n) };
  };
  switch (type) {
    case "local":
    case "tar": {
      allowed("dest");
      const dest = attrs.get("dest");
      if (!dest) throw fail(type === "local" ? "type=local needs dest=DIR" : "type=tar needs dest=FILE or dest=-");
      return { type, dest };
    }
    case "oci": {
      allowed("dest", "tar", "name");
      const tar = bool("tar", true);
      const dest = attrs.get("dest");
      if (!dest) throw fail(tar ? "type=oci needs dest=FILE or dest=-" : "type=oci,tar=false needs dest=DIR");
      if (!tar && dest === "-") throw fail("type=oci,tar=false writes a directory, not standard output");
      return { type, dest, tar, ...name() };
    }
    case "docker": {
      allowed("dest", "name");
      const dest = attrs.get("dest");
      if (dest === "") throw fail("dest= is empty");
      return { type, ...(dest !== undefined ? { dest } : {}), ...name() };
    }
    case "image":
    case "registry": {
      allowed("name", ...(type === "image" ? ["push"] : []));
      return { type: "image", ...name(), push: type === "registry" || bool("push", false) };
    }
    case "cacheonly":
      allowed();
      return { type };
    default:
      throw new OptionError("--output", spec, `${ACCEPTED}${type === undefined ? ": the type is missing" : ` (type=${type} is not supported)`}`);
  }
}

/**
 * The outputs of a build from `-o` (each a spec or a parsed one), `--load`, `--push` and `--tag`, as
 * buildx combines them: --push sets push=true on the image outputs, or adds one; --load adds a
 * type=docker unless one without dest is there; the tags name every image, oci and docker output.
 * A push needs a name. No outputs at all: undefined (the caller's default).
 */
export function combineOutputs(
  outputs: ReadonlyArray<string | OutputSpec>,
  flags: { load?: boolean; push?: boolean; tags?: readonly string[] } = {},
): OutputSpec[] {
  let specs = outputs.map((o) => (typeof o === "string" ? parseOutputSpec(o) : { ...o }));
  if (flags.push) {
    if (specs.some((s) => s.type === "image")) specs = specs.map((s) => (s.type === "image" ? { ...s, push: true } : s));
    else specs.push({ type: "image", push: true });
  }
  if (flags.load && !specs.some((s) => s.type === "docker" && s.dest === undefined)) specs.push({ type: "docker" });
  const tags = flags.tags ?? [];
  if (tags.length > 0) {
    for (const t of tags) checkImageNames("--tag", t);
    specs = specs.map((s) => (s.type === "image" || s.type === "oci" || s.type === "docker" ? { ...s, name: tags.join(",") } : s));
  }
  for (const s of specs) {
    if (s.type === "image" && s.push && !s.name)
      throw new OptionError("--push", "type=image,push=true", "an image name to push to: --tag NAME, or -o type=image,name=NAME,push=true", "no name given");
  }
  const locals = specs.filter((s) => s.type === "local");
  if (locals.length > 1)
    throw new OptionError("--output", locals.map((s) => s.dest).join(" and "), "one local directory per build (the report goes beside its files)");
  const toStdout = specs.filter((s) => "dest" in s && s.dest === "-");
  if (toStdout.length > 1) throw new OptionError("--output", "dest=- twice", "one output to standard output");
  return specs;
}
