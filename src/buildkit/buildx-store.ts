/**
 * buildx's store of builder instances, read only (buildx store/store.go, store/nodegroup.go and
 * store/util.go, unchanged in their on-disk shape from v0.13 to v0.20):
 *
 *   <buildx dir>/instances/<name>   one JSON NodeGroup per builder: {"Name", "Driver", "Nodes": [{"Name",
 *                                   "Endpoint", "Platforms", "DriverOpts", "Flags", "Files"}], "Dynamic"}
 *   <buildx dir>/current            {"Key", "Name", "Global"}: the builder `docker buildx use` chose,
 *                                   for the docker endpoint `Key` (or for all, when Global)
 *   <buildx dir>/defaults/<hash>    a builder name: `docker buildx use --default` for an endpoint key,
 *                                   filed under the first 20 hex digits of the key's SHA-256
 *
 * The buildx dir is $BUILDX_CONFIG, else `buildx` in the docker config directory. Builder names
 * start with a letter and hold letters, digits and `.-_`; buildx files them in lower case.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";

import { readBounded } from "../fs/bounded-read.js";
import { dockerConfigDir, readJsonFile, type DockerEnv } from "./docker-contexts.js";
import { BuildKitError } from "./errors.js";

/** Mirrors buildx store.Node (v0.13–v0.20). */
export interface BuildxNode {
  Name: string;
  /** docker, docker-container: a docker context name or docker host; remote: the buildkitd address. */
  Endpoint: string;
  /** OCI platforms the node was created with (empty: whatever the daemon reports). */
  Platforms?: Array<{ architecture: string; os: string; variant?: string }> | null;
  DriverOpts?: Record<string, string> | null;
  /** buildkitd flags (`BuildkitdFlags`, stored under its old name). */
  Flags?: string[] | null;
  /** buildkitd.toml and the files it names, base64 (`--buildkitd-config`). */
  Files?: Record<string, string> | null;
}

/** Mirrors buildx store.NodeGroup (v0.13–v0.20). */
export interface BuildxNodeGroup {
  Name: string;
  Driver: string;
  Nodes: BuildxNode[];
  Dynamic?: boolean;
}

export const BUILDER_NAME = /^[a-zA-Z][a-zA-Z0-9.\-_]*$/;

export function buildxDir(o: DockerEnv = {}): string {
  const env = o.env ?? process.env;
  return env["BUILDX_CONFIG"] || join(dockerConfigDir(o), "buildx");
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function checkNodeGroup(v: unknown, file: string): BuildxNodeGroup {
  const bad = (why: string) => new BuildKitError("INVALID_OPTIONS", `buildx builder file ${file} ${why}`);
  if (!isObject(v)) throw bad("is not a JSON object");
  if (typeof v["Name"] !== "string" || typeof v["Driver"] !== "string") throw bad("has no Name or Driver");
  const nodes = v["Nodes"] ?? [];
  if (!Array.isArray(nodes)) throw bad("has Nodes that is not a list");
  for (const n of nodes) {
    if (!isObject(n) || typeof n["Name"] !== "string" || typeof (n["Endpoint"] ?? "") !== "string") throw bad("has a node without Name or Endpoint");
  }
  return { ...(v as unknown as BuildxNodeGroup), Nodes: nodes as BuildxNode[] };
}

/** The builder instance `name` (any case), or undefined when buildx has none of that name. */
export function readInstance(name: string, o: DockerEnv = {}): BuildxNodeGroup | undefined {
  if (!BUILDER_NAME.test(name)) return undefined;
  const file = join(buildxDir(o), "instances", name.toLowerCase());
  const v = readJsonFile(file, "the buildx builder file");
  return v === undefined ? undefined : checkNodeGroup(v, file);
}

/** Names of the stored builder instances, sorted. */
export function instanceNames(o: DockerEnv = {}): string[] {
  try {
    return readdirSync(join(buildxDir(o), "instances"))
      .filter((n) => BUILDER_NAME.test(n))
      .sort();
  } catch {
    return [];
  }
}

/** buildx store toHash: the first 20 hex digits of the key's SHA-256. */
export function endpointKeyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 20);
}

/**
 * The current builder's name for the docker endpoint `key` (buildx store Txn.Current), or
 * undefined when buildx would use the docker context's own builder. Names that no longer have an
 * instance file count as none, as in buildx.
 */
export function currentBuilderName(key: string, o: DockerEnv = {}): string | undefined {
  const dir = buildxDir(o);
  const current = readJsonFile(join(dir, "current"), "the buildx current-builder file");
  if (isObject(current) && typeof current["Name"] === "string" && current["Name"] !== "") {
    const name = current["Name"];
    const exists = readInstance(name, o) !== undefined;
    if (current["Global"] === true && exists) return name;
    if (current["Key"] === key) return exists ? name : undefined;
  }
  let byDefault: string;
  try {
    byDefault = readBounded(join(dir, "defaults", endpointKeyHash(key)), { maxBytes: 4096 })
      .toString("utf8")
      .trim();
  } catch {
    return undefined;
  }
  return byDefault !== "" && readInstance(byDefault, o) !== undefined ? byDefault : undefined;
}
