/**
 * Docker contexts, read the way the docker CLI stores them (docker/cli cli/context/store and
 * cli/command/cli.go resolveContextName, v26): the config directory is `$DOCKER_CONFIG` or
 * `~/.docker`; `config.json` may name the `currentContext`; each context is
 * `contexts/meta/<sha256 hex of its name>/meta.json` (`{"Name", "Metadata", "Endpoints":
 * {"docker": {"Host", "SkipTLSVerify"}}}`) with its TLS files in
 * `contexts/tls/<sha256 hex>/docker/{ca,cert,key}.pem`. The `default` context is not stored: it is
 * DOCKER_HOST, or the local socket.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { readBounded } from "../fs/bounded-read.js";
import { BuildKitError } from "./errors.js";

/** The engine's socket when neither DOCKER_HOST nor a context says otherwise (Linux). */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";
export const DEFAULT_CONTEXT = "default";

/** Largest config or metadata file read (real ones are a few hundred bytes). */
const MAX_CONFIG_BYTES = 1 << 20;

export interface DockerEnv {
  /** The docker config directory (default: $DOCKER_CONFIG, else ~/.docker). */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** A context's docker endpoint: the engine's address and, for tcp, its TLS files. */
export interface DockerEndpoint {
  context: string;
  /** `unix:///…`, `tcp://host:port`, `ssh://…`, `npipe://…` */
  host: string;
  /** Paths of the TLS files that exist for this context (stored contexts only). */
  tls?: { ca?: string; cert?: string; key?: string };
  skipTlsVerify: boolean;
  /** True for the default context: DOCKER_HOST and DOCKER_TLS_VERIFY/DOCKER_CERT_PATH apply. */
  fromEnvironment: boolean;
}

export function dockerConfigDir(o: DockerEnv = {}): string {
  const env = o.env ?? process.env;
  return o.configDir ?? (env["DOCKER_CONFIG"] || join(homedir(), ".docker"));
}

/** The directory name of a context in the store: the hex SHA-256 of its name. */
export function contextDirName(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

/** Reads and parses a small JSON file; undefined when it does not exist. */
export function readJsonFile(path: string, what: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readBounded(path, { maxBytes: MAX_CONFIG_BYTES });
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw new BuildKitError("INVALID_OPTIONS", `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(bytes.toString("utf8")) as unknown;
  } catch (err) {
    throw new BuildKitError("INVALID_OPTIONS", `${what} ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The context the docker CLI would use: DOCKER_HOST → default, DOCKER_CONTEXT, config.json's currentContext, default. */
export function currentContextName(o: DockerEnv = {}): string {
  const env = o.env ?? process.env;
  if (env["DOCKER_HOST"]) return DEFAULT_CONTEXT;
  if (env["DOCKER_CONTEXT"]) return env["DOCKER_CONTEXT"];
  const dir = dockerConfigDir(o);
  const config = readJsonFile(join(dir, "config.json"), "the docker config");
  const current = isObject(config) ? config["currentContext"] : undefined;
  return typeof current === "string" && current !== "" ? current : DEFAULT_CONTEXT;
}

/** Names of the stored contexts, plus `default`. */
export function contextNames(o: DockerEnv = {}): string[] {
  const meta = join(dockerConfigDir(o), "contexts", "meta");
  const names = new Set([DEFAULT_CONTEXT]);
  let dirs: string[];
  try {
    dirs = readdirSync(meta);
  } catch {
    dirs = [];
  }
  for (const d of dirs) {
    const m = readJsonFile(join(meta, d, "meta.json"), "the docker context");
    if (isObject(m) && typeof m["Name"] === "string") names.add(m["Name"]);
  }
  return [...names].sort();
}

/** The docker endpoint of a context, or undefined when there is no such context. */
export function contextEndpoint(name: string, o: DockerEnv = {}): DockerEndpoint | undefined {
  const env = o.env ?? process.env;
  if (name === DEFAULT_CONTEXT) {
    return { context: name, host: env["DOCKER_HOST"] || DEFAULT_DOCKER_HOST, skipTlsVerify: false, fromEnvironment: true };
  }
  const dir = dockerConfigDir(o);
  const id = contextDirName(name);
  const metaFile = join(dir, "contexts", "meta", id, "meta.json");
  const meta = readJsonFile(metaFile, "the docker context");
  if (meta === undefined) return undefined;
  const endpoints = isObject(meta) ? meta["Endpoints"] : undefined;
  const docker = isObject(endpoints) ? endpoints["docker"] : undefined;
  const host = isObject(docker) ? docker["Host"] : undefined;
  if (typeof host !== "string" || host === "") {
    throw new BuildKitError("INVALID_OPTIONS", `docker context ${JSON.stringify(name)} (${metaFile}) has no docker endpoint host`);
  }
  const tlsDir = join(dir, "contexts", "tls", id, "docker");
  const file = (f: string) => (existsSync(join(tlsDir, f)) ? join(tlsDir, f) : undefined);
  const tls = { ca: file("ca.pem"), cert: file("cert.pem"), key: file("key.pem") };
  const present = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)) as DockerEndpoint["tls"] & object;
  return {
    context: name,
    host,
    ...(Object.keys(present).length > 0 ? { tls: present } : {}),
    skipTlsVerify: isObject(docker) && docker["SkipTLSVerify"] === true,
    fromEnvironment: false,
  };
}

/**
 * The key buildx files the current builder under (buildx util/dockerutil GetCurrentEndpoint): the
 * context's name, or for the default context its host.
 */
export function currentEndpointKey(o: DockerEnv = {}): string {
  const name = currentContextName(o);
  if (name !== DEFAULT_CONTEXT) return name;
  return contextEndpoint(DEFAULT_CONTEXT, o)!.host;
}
