/**
 * connectBuilder(): a builder by name or address (./builders.ts), connected. The docker engine behind
 * a `docker` or `docker-container` node is reached with a Docker API client made from its context.
 */
import Docker from "dockerode";

import { readBounded } from "../fs/bounded-read.js";
import { resolveBuilder, type ResolveBuilderOptions, type ResolvedBuilder } from "./builders.js";
import { connect, type BuildKitClient } from "./client.js";
import type { ConnectOptions } from "./connhelpers/index.js";
import { DEFAULT_DOCKER_HOST, contextEndpoint, currentContextName, type DockerEndpoint, type DockerEnv } from "./docker-contexts.js";
import { BuildKitError } from "./errors.js";

const pemFile = (path: string | undefined): Buffer | undefined => (path === undefined ? undefined : readBounded(path, { maxBytes: 1 << 20 }));

/** A Docker API client for an engine endpoint. */
export function dockerForEndpoint(ep: DockerEndpoint, env: NodeJS.ProcessEnv = process.env): Docker {
  // The default context is the environment's (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH), as dockerode reads it.
  if (ep.fromEnvironment) {
    if (env === process.env) return new Docker();
    return dockerForEndpoint({ ...ep, host: env["DOCKER_HOST"] || DEFAULT_DOCKER_HOST, fromEnvironment: false }, env);
  }
  const url = new URL(ep.host);
  if (url.protocol === "unix:") return new Docker({ socketPath: decodeURIComponent(url.pathname) });
  if (url.protocol === "tcp:") {
    const tls = ep.tls;
    try {
      return new Docker({
        host: url.hostname,
        port: url.port || (tls ? 2376 : 2375),
        protocol: tls ? "https" : "http",
        ...(tls?.ca ? { ca: pemFile(tls.ca) } : {}),
        ...(tls?.cert ? { cert: pemFile(tls.cert) } : {}),
        ...(tls?.key ? { key: pemFile(tls.key) } : {}),
      });
    } catch (err) {
      throw new BuildKitError("CONNECT", `cannot read the TLS files of docker context ${JSON.stringify(ep.context)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  throw new BuildKitError("UNSUPPORTED_ADDRESS", `docker host ${ep.host} is not supported (unix:// and tcp:// are)`);
}

/** ConnectOptions for a resolved builder: its TLS, and the Docker API client of its engine. */
export function builderConnectOptions(b: ResolvedBuilder, base: ConnectOptions = {}): ConnectOptions {
  const out: ConnectOptions = { ...base };
  if (b.tls) out.tls = { ...b.tls, ...base.tls };
  if (b.dockerEndpoint && !base.docker) out.docker = dockerForEndpoint(b.dockerEndpoint, base.env ?? process.env);
  return out;
}

/**
 * Connects to a builder: a buildx builder's name or an address (`--builder`), or by buildx's precedence
 * when none is given (see ./builders.ts). The client's `builder` says which was chosen.
 */
export async function connectBuilder(
  builder?: string | ResolvedBuilder,
  options: ConnectOptions & Omit<ResolveBuilderOptions, "builder"> = {},
): Promise<BuildKitClient> {
  const resolved = typeof builder === "object" ? builder : resolveBuilder({ ...options, ...(builder !== undefined ? { builder } : {}) });
  let client: BuildKitClient;
  try {
    client = await connect(resolved.address, builderConnectOptions(resolved, options));
  } catch (err) {
    if (!(err instanceof BuildKitError) || !resolved.buildx) throw err;
    const hint = resolved.driver === "docker-container" ? ` (is it running? \`docker buildx inspect --bootstrap ${resolved.name}\` starts it)` : "";
    throw new BuildKitError(err.code, `builder ${JSON.stringify(resolved.name)} (${resolved.driver}, node ${resolved.node}): ${err.message}${hint}`, {
      cause: err,
    });
  }
  client.builder = resolved;
  return client;
}

/** The engine of the current docker context: where buildx loads images built elsewhere (--load). */
export function currentEngine(o: DockerEnv = {}): Docker {
  const endpoint = contextEndpoint(currentContextName(o), o);
  if (!endpoint) throw new BuildKitError("INVALID_OPTIONS", `the current docker context ${JSON.stringify(currentContextName(o))} does not exist`);
  return dockerForEndpoint(endpoint, o.env ?? process.env);
}

/** The Docker Engine that pushes (its own BuildKit's images) or loads (images built elsewhere) for a builder. */
export function builderEngine(builder: ResolvedBuilder): Docker {
  return builder.address.startsWith("docker://") && builder.dockerEndpoint ? dockerForEndpoint(builder.dockerEndpoint) : currentEngine();
}
