/**
 * The OCI image layout of a local cache directory (image-spec image-layout.md): `oci-layout`,
 * `index.json` naming the cache's manifest by tag (annotation `org.opencontainers.image.ref.name`,
 * `latest` unless told otherwise), and `blobs/sha256/`. The daemon writes the blobs through the
 * session's content store; the client writes the index once the build is done, from the manifest
 * descriptor the daemon answers with (`cache.manifest`), as buildkit's client/solve.go does.
 */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { ReadRefused, readBounded } from "../fs/bounded-read.js";
import { writeFileSafe } from "../fs/safe-write.js";
import { LfsDockerError } from "../errors.js";

export const REF_NAME = "org.opencontainers.image.ref.name";
const INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";
/** Largest index.json read. */
const MAX_INDEX = 16 * 1024 * 1024;

export interface OciDescriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface OciIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: OciDescriptor[];
  [key: string]: unknown;
}

/** A cache directory that is not an OCI layout lfs-docker can read or write. */
export class LayoutError extends LfsDockerError {
  override readonly name = "LayoutError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_CACHE_LAYOUT", message, options);
  }
}

/** The directory's index.json, or undefined when it has none. Never read through a link. */
export function readIndex(dir: string): OciIndex | undefined {
  const path = join(dir, "index.json");
  let text: string;
  try {
    text = readBounded(path, { maxBytes: MAX_INDEX, noFollow: true }).toString("utf8");
  } catch (err) {
    if (err instanceof ReadRefused && err.code === "ENOENT") return undefined;
    throw new LayoutError(`${path}: ${(err as Error).message}`, { cause: err });
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (err) {
    throw new LayoutError(`${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const manifests = (index as { manifests?: unknown } | null)?.manifests;
  if (typeof index !== "object" || index === null || (manifests !== undefined && !Array.isArray(manifests))) {
    throw new LayoutError(`${path} is not an OCI image index`);
  }
  return { ...(index as OciIndex), manifests: (manifests ?? []) as OciDescriptor[] };
}

/** The descriptor tagged `tag` in the index, if any. */
export function taggedManifest(index: OciIndex, tag: string): OciDescriptor | undefined {
  return index.manifests.find((m) => m?.annotations?.[REF_NAME] === tag && typeof m.digest === "string");
}

/**
 * What a cache export may write into: nothing there yet, an empty directory, or an OCI layout
 * (an earlier cache). Anything else is the user's and is refused, with the reason.
 */
export function exportDirRefusal(dir: string): string | undefined {
  let names: string[];
  try {
    const s = lstatSync(dir);
    if (s.isSymbolicLink()) return "a symbolic link (give the directory it points to)";
    if (!s.isDirectory()) return "not a directory";
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? undefined : (code ?? (err as Error).message);
  }
  if (names.length === 0 || names.includes("oci-layout") || names.includes("index.json")) return undefined;
  return "a directory that holds other files, not an OCI layout (no oci-layout or index.json)";
}

/** Tags `desc` as `tag` in the directory's index.json (other tags are kept); writes oci-layout if missing. */
export function putIndex(dir: string, desc: OciDescriptor, tag: string): void {
  const index = readIndex(dir) ?? { schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests: [] };
  const entry: OciDescriptor = { ...desc, annotations: { ...(desc.annotations ?? {}), [REF_NAME]: tag } };
  index.manifests = [...index.manifests.filter((m) => m?.annotations?.[REF_NAME] !== tag), entry];
  let layout = true;
  try {
    lstatSync(join(dir, "oci-layout"));
  } catch {
    layout = false;
  }
  if (!layout) writeFileSafe(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }) + "\n");
  writeFileSafe(join(dir, "index.json"), JSON.stringify(index) + "\n");
}
