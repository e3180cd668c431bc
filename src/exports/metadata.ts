/**
 * `--metadata-file FILE`, as buildx writes it (buildx commands/build.go decodeExporterResponse and
 * writeMetadataFile, v0.13–v0.20): the daemon's exporter response, each value that is base64 of a
 * JSON object or list written as that JSON (`containerimage.descriptor`), every other value as the
 * string it is (`containerimage.digest`, `image.name`), plus `buildx.build.ref` =
 * `<builder>/<node>/<ref>`; two-space indented.
 */
import { writeFileSafe } from "../fs/safe-write.js";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A value as buildx shows it: decoded JSON when it is base64 of a non-empty JSON object or list. */
export function decodeExporterValue(key: string, value: string): unknown {
  if (key === "result.json") return parseJson(value) ?? value;
  if (value.length % 4 !== 0 || !BASE64.test(value)) return value;
  const json = parseJson(Buffer.from(value, "base64").toString("utf8"));
  if (Array.isArray(json) ? json.length > 0 : typeof json === "object" && json !== null && Object.keys(json).length > 0) return json;
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export interface MetadataInput {
  exporterResponse: Record<string, string>;
  /** `buildx.build.ref`, when the builder is buildx's. */
  buildRef?: string;
  /** Keys known after the build (a push through the engine: the registry's digest, the names). */
  extra?: Record<string, string>;
}

export function buildMetadata(m: MetadataInput): Record<string, unknown> {
  const all: Record<string, string> = { ...m.exporterResponse, ...m.extra };
  if (m.buildRef) all["buildx.build.ref"] = m.buildRef;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(all).sort()) out[key] = decodeExporterValue(key, all[key]!);
  return out;
}

/** Writes the metadata file (a new file renamed into place; never through a link). */
export function writeMetadataFile(path: string, m: MetadataInput): void {
  writeFileSafe(path, JSON.stringify(buildMetadata(m), null, 2));
}
