/**
 * Builders by name, as buildx finds them: `--builder NAME` (or an address), then BUILDX_BUILDER, then
 * the builder `docker buildx use` made current for this docker endpoint, then BUILDKIT_HOST, then the
 * engine of the current docker context (what `docker://` reaches: DOCKER_HOST or the local socket).
 *
 * A name is a buildx builder instance (./buildx-store.ts) or a docker context (its engine: buildx's
 * `docker` driver, ./docker-contexts.ts). Each instance's node turns into an address the connection
 * helpers know:
 *
 *   docker            the node's endpoint is a docker context or host  → docker://…
 *   docker-container  the container buildx_buildkit_<node>, on the node's docker endpoint
 *                                                                      → docker-container://buildx_buildkit_<node>
 *   remote            the node's endpoint (unix://, tcp://, docker-container://), with TLS from the
 *                     driver options cacert, cert, key, servername
 *
 * Pure apart from reading the docker config directory: unit-tested with a directory of real-shaped files.
 */
import { isAbsolute } from "node:path";

import { BUILDER_NAME, currentBuilderName, instanceNames, readInstance, type BuildxNode, type BuildxNodeGroup } from "./buildx-store.js";
import type { TlsOptions } from "./connhelpers/index.js";
import { contextEndpoint, contextNames, currentContextName, currentEndpointKey, type DockerEndpoint, type DockerEnv } from "./docker-contexts.js";
import { BuildKitError } from "./errors.js";

/** Where the builder came from, in the words a message shows. */
export type BuilderSource = "--builder" | "BUILDX_BUILDER" | "current builder" | "BUILDKIT_HOST" | "default";

export interface ResolvedBuilder {
  /** The builder's name as buildx knows it (`default`, `mybuilder`), or the address given. */
  name: string;
  /** buildx's driver (`docker`, `docker-container`, `remote`), or `address` for an address given as such. */
  driver: "docker" | "docker-container" | "remote" | "address";
  /** The node used: buildx's node name (a context builder's node is named after it), or the address. */
  node: string;
  /** What the connection helpers dial. */
  address: string;
  /** TLS for a remote tcp:// node. */
  tls?: TlsOptions;
  /** The docker engine behind `docker`/`docker-container` nodes (undefined: the environment's). */
  dockerEndpoint?: DockerEndpoint;
  source: BuilderSource;
  /** True when name and node are buildx's (they then make `buildx.build.ref`). */
  buildx: boolean;
  /**
   * Every node of a buildx builder instance, with the platforms the builder lists for it (`linux/arm64`;
   * empty: its daemon's), in buildx's order: what a build split by platform is planned on.
   */
  nodes?: Array<{ name: string; platforms: string[] }>;
}

export interface ResolveBuilderOptions extends DockerEnv {
  /** A builder name or an address (`unix://`, `tcp://`, `docker://`, `docker-container://`). */
  builder?: string;
  /** The platform being built (`linux/amd64`): picks the node of a builder with several. */
  platform?: string;
  /** The node of that name, whatever the platform (a build split across a builder's nodes). */
  node?: string;
}

/** No builder of that name: the message lists the builders there are. */
export class BuilderNotFoundError extends BuildKitError {
  override readonly name = "BuilderNotFoundError";
  constructor(
    readonly requested: string,
    readonly source: BuilderSource,
    readonly available: string[],
  ) {
    super(
      "INVALID_OPTIONS",
      `no builder ${JSON.stringify(requested)} found (from ${source}); builders: ${available.join(", ")}` +
        " (buildx builder instances and docker contexts), or an address: unix://, tcp://, docker://, docker-container://NAME",
    );
  }
}

const DRIVERS = ["docker", "docker-container", "remote"];
const REMOTE_SCHEMES = ["unix", "tcp", "docker-container"];
const REMOTE_OPTS = ["servername", "cacert", "cert", "key", "default-load"];

/** The builder to use, by buildx's precedence (see the file's header). */
export function resolveBuilder(o: ResolveBuilderOptions = {}): ResolvedBuilder {
  const env = o.env ?? process.env;
  const flag = o.builder?.trim();
  if (flag) return byNameOrAddress(flag, "--builder", o);
  const fromEnv = env["BUILDX_BUILDER"]?.trim();
  if (fromEnv) return byNameOrAddress(fromEnv, "BUILDX_BUILDER", o);
  const current = currentBuilderName(currentEndpointKey(o), o);
  if (current) return fromInstance(readInstance(current, o)!, "current builder", o);
  const buildkitHost = env["BUILDKIT_HOST"]?.trim();
  if (buildkitHost) return fromAddress(buildkitHost, "BUILDKIT_HOST");
  return fromContext(currentContextName(o), "default", o);
}

/** Every builder name `--builder` accepts here: instances, then contexts. */
export function builderNames(o: DockerEnv = {}): string[] {
  return [...new Set([...instanceNames(o), ...contextNames(o)])];
}

function byNameOrAddress(value: string, source: BuilderSource, o: ResolveBuilderOptions): ResolvedBuilder {
  if (value.includes("://")) return fromAddress(value, source);
  if (BUILDER_NAME.test(value)) {
    const instance = readInstance(value, o);
    if (instance) return fromInstance(instance, source, o);
    if (contextNames(o).includes(value)) return fromContext(value, source, o);
  }
  throw new BuilderNotFoundError(value, source, builderNames(o));
}

function fromAddress(address: string, source: BuilderSource): ResolvedBuilder {
  const engine = dockerAddressEndpoint(address);
  return { name: address, driver: "address", node: address, address, ...(engine ? { dockerEndpoint: engine } : {}), source, buildx: false };
}

/** The engine a `docker://` address names (`docker://` itself: the environment's), for its image store. */
function dockerAddressEndpoint(address: string): DockerEndpoint | undefined {
  const m = /^docker:\/\/([^/]*)(\/.*)?$/.exec(address);
  if (!m) return undefined;
  if (m[1]) return { context: "", host: `tcp://${m[1]}`, skipTlsVerify: false, fromEnvironment: false };
  if (m[2] && m[2] !== "/") return { context: "", host: `unix://${m[2]}`, skipTlsVerify: false, fromEnvironment: false };
  return { context: "default", host: "", skipTlsVerify: false, fromEnvironment: true };
}

/** A docker context's own builder: buildx's `docker` driver, named after the context. */
function fromContext(name: string, source: BuilderSource, o: DockerEnv): ResolvedBuilder {
  const endpoint = contextEndpoint(name, o);
  if (!endpoint) throw new BuilderNotFoundError(name, source, builderNames(o));
  return { name, driver: "docker", node: name, address: engineAddress(endpoint), dockerEndpoint: endpoint, source, buildx: true };
}

function unsupported(ng: BuildxNodeGroup, why: string): BuildKitError {
  return new BuildKitError("UNSUPPORTED_ADDRESS", `builder ${JSON.stringify(ng.Name)}: ${why}`);
}

function fromInstance(ng: BuildxNodeGroup, source: BuilderSource, o: ResolveBuilderOptions): ResolvedBuilder {
  if (!DRIVERS.includes(ng.Driver)) {
    throw unsupported(ng, `driver ${JSON.stringify(ng.Driver)} is not supported (supported: ${DRIVERS.join(", ")})`);
  }
  if (ng.Dynamic) throw unsupported(ng, "dynamic node groups are not supported");
  const node = o.node !== undefined ? ng.Nodes.find((n) => n.Name === o.node) : pickNode(ng.Nodes, o.platform);
  if (!node) throw unsupported(ng, o.node !== undefined ? `it has no node ${JSON.stringify(o.node)}` : "it has no nodes");
  const nodes = ng.Nodes.map((n) => ({ name: n.Name, platforms: nodePlatforms(n) }));
  const base = { name: ng.Name, node: node.Name, source, buildx: true, nodes };
  if (ng.Driver === "docker") {
    const endpoint = nodeDockerEndpoint(ng, node, o);
    return { ...base, driver: "docker", address: engineAddress(endpoint, ng), dockerEndpoint: endpoint };
  }
  if (ng.Driver === "docker-container") {
    const endpoint = nodeDockerEndpoint(ng, node, o);
    return { ...base, driver: "docker-container", address: `docker-container://buildx_buildkit_${node.Name}`, dockerEndpoint: endpoint };
  }
  return { ...base, driver: "remote", ...remoteNode(ng, node, o) };
}

/** A node's platforms as the builder lists them: `os/architecture[/variant]`. */
export function nodePlatforms(n: BuildxNode): string[] {
  return (n.Platforms ?? []).map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join("/"));
}

/** The node for the platform: the first that lists it, else the first that lists none, else the first. */
export function pickNode(nodes: readonly BuildxNode[], platform: string | undefined): BuildxNode | undefined {
  if (!platform) return nodes[0];
  const lists = (n: BuildxNode) =>
    (n.Platforms ?? []).some((p) => [p.os, p.architecture, p.variant].filter(Boolean).join("/") === platform || `${p.os}/${p.architecture}` === platform);
  return nodes.find(lists) ?? nodes.find((n) => (n.Platforms ?? []).length === 0) ?? nodes[0];
}

/** A docker/docker-container node's engine: a context name, a docker host, or (empty) the current context. */
function nodeDockerEndpoint(ng: BuildxNodeGroup, node: BuildxNode, o: DockerEnv): DockerEndpoint {
  const ep = node.Endpoint ?? "";
  if (ep.includes("://")) return { context: "", host: ep, skipTlsVerify: false, fromEnvironment: false };
  const name = ep === "" ? currentContextName(o) : ep;
  const endpoint = contextEndpoint(name, o);
  if (!endpoint) throw unsupported(ng, `node ${node.Name}'s docker context ${JSON.stringify(name)} does not exist`);
  return endpoint;
}

/** The `docker://` address of an engine (TLS contexts get `docker://` and their files; see connect-builder.ts). */
export function engineAddress(ep: DockerEndpoint, ng?: BuildxNodeGroup): string {
  if (ep.fromEnvironment) return "docker://";
  const where = ng ? `builder ${JSON.stringify(ng.Name)}` : `docker context ${JSON.stringify(ep.context)}`;
  let url: URL;
  try {
    url = new URL(ep.host);
  } catch (err) {
    throw new BuildKitError("UNSUPPORTED_ADDRESS", `${where}: invalid docker host ${JSON.stringify(ep.host)}`, { cause: err });
  }
  if (url.protocol === "unix:") return `docker://${url.pathname}`;
  if (url.protocol === "tcp:") {
    if (ep.skipTlsVerify) throw new BuildKitError("UNSUPPORTED_ADDRESS", `${where}: a docker endpoint that skips TLS verification is not supported`);
    return ep.tls ? "docker://" : `docker://${url.host}`;
  }
  throw new BuildKitError("UNSUPPORTED_ADDRESS", `${where}: docker host ${ep.host} is not supported (unix:// and tcp:// are)`);
}

/** A remote node's address and TLS, checked as buildx's remote driver checks its options. */
function remoteNode(ng: BuildxNodeGroup, node: BuildxNode, o: DockerEnv): Pick<ResolvedBuilder, "address" | "tls" | "dockerEndpoint"> {
  const address = node.Endpoint;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address)?.[1]?.toLowerCase();
  if (!scheme || !REMOTE_SCHEMES.includes(scheme)) {
    throw unsupported(ng, `remote endpoint ${JSON.stringify(address)} is not supported (${REMOTE_SCHEMES.map((s) => `${s}://`).join(", ")} are)`);
  }
  const opts = node.DriverOpts ?? {};
  for (const [k, v] of Object.entries(opts)) {
    if (!REMOTE_OPTS.includes(k)) throw unsupported(ng, `invalid driver option ${k} for remote driver`);
    if (["cacert", "cert", "key"].includes(k) && !isAbsolute(v)) throw unsupported(ng, `non-absolute path '${v}' provided for ${k}`);
  }
  const out: Pick<ResolvedBuilder, "address" | "tls" | "dockerEndpoint"> = { address };
  if (scheme === "docker-container") out.dockerEndpoint = contextEndpoint(currentContextName(o), o)!;
  if (!["servername", "cacert", "cert", "key"].some((k) => opts[k] !== undefined)) return out;
  const missing = [...(opts["cacert"] ? [] : ["cacert"]), ...(opts["cert"] && !opts["key"] ? ["key"] : []), ...(opts["key"] && !opts["cert"] ? ["cert"] : [])];
  if (missing.length > 0) throw unsupported(ng, `tls enabled, but missing keys ${missing.join(", ")}`);
  out.tls = {
    ca: opts["cacert"]!,
    ...(opts["cert"] ? { cert: opts["cert"], key: opts["key"]! } : {}),
    servername: opts["servername"] || new URL(address).hostname,
  };
  return out;
}

/** `buildx.build.ref` for a build: `<builder>/<node>/<ref>`, for buildx builders. */
export function buildxBuildRef(b: ResolvedBuilder, ref: string): string | undefined {
  return b.buildx ? `${b.name}/${b.node}/${ref}` : undefined;
}

/** One line for messages: `builder "x" (docker-container, node x0)` or the address. */
export function describeBuilder(b: ResolvedBuilder): string {
  if (!b.buildx) return `${b.address} (from ${b.source})`;
  const node = b.node !== b.name ? `, node ${b.node}` : "";
  return `builder ${JSON.stringify(b.name)} (${b.driver}${node}, from ${b.source})`;
}
