/**
 * Connection helpers: a registry keyed by URL scheme, as BuildKit's and buildx's connhelper
 * packages do, and the dispatcher that picks one for an address. Each helper (one file per scheme)
 * turns an address into a grpc-js target (+ credentials and options):
 *
 *   unix:///run/buildkit/buildkitd.sock      ./unix.ts: buildkitd's own socket
 *   tcp://host:1234                          ./tcp.ts: buildkitd over TCP, optionally with (m)TLS
 *   docker://  docker:///path/to/docker.sock docker://host:2375
 *                                            ./docker.ts: the BuildKit inside Docker Engine, via
 *                                            `POST /grpc` upgraded to h2c (./h2c-upgrade.ts)
 *   docker-container://NAME                  ./docker-container.ts: `buildctl dial-stdio`
 */
import { BuildKitError } from "../errors.js";
import { dockerContainerHelper } from "./docker-container.js";
import { dockerHelper } from "./docker.js";
import { tcpHelper } from "./tcp.js";
import type { ConnectOptions, ConnectionHelper, Transport } from "./transport.js";
import { unixHelper } from "./unix.js";

export { CHANNEL_OPTIONS, type ConnectOptions, type ConnectionHelper, type TlsOptions, type Transport } from "./transport.js";
export { probeUnixSocket } from "./sockets.js";
export { upgradeToGrpc, upgradeToSession } from "./h2c-upgrade.js";
export { dialContainer } from "./docker-container.js";

const helpers = new Map<string, ConnectionHelper>();

/** Registers a helper for `scheme://` addresses (scheme without the colon). */
export function registerConnectionHelper(scheme: string, helper: ConnectionHelper): void {
  helpers.set(scheme.replace(/:$/, ""), helper);
}

export function connectionHelperSchemes(): string[] {
  return [...helpers.keys()].sort();
}

/** Picks the address to use: the argument, then BUILDKIT_HOST, then Docker Engine. */
export function resolveAddress(address: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (address && address.trim() !== "") return address.trim();
  const fromEnv = env["BUILDKIT_HOST"];
  if (fromEnv && fromEnv.trim() !== "") return fromEnv.trim();
  return "docker://";
}

/** Parses an address into a URL, with friendly errors. */
export function parseAddress(address: string): URL {
  let url: URL;
  try {
    url = new URL(address);
  } catch (err) {
    throw new BuildKitError("UNSUPPORTED_ADDRESS", `invalid BuildKit address ${JSON.stringify(address)}`, {
      cause: err,
    });
  }
  return url;
}

export async function openTransport(address: string, options: ConnectOptions): Promise<Transport> {
  const url = parseAddress(address);
  const scheme = url.protocol.replace(/:$/, "");
  const helper = helpers.get(scheme);
  if (!helper) {
    throw new BuildKitError(
      "UNSUPPORTED_ADDRESS",
      `unsupported BuildKit address scheme ${JSON.stringify(scheme)} in ${address} (supported: ${connectionHelperSchemes().join(", ")})`,
    );
  }
  return helper(url, options);
}

registerConnectionHelper("unix", unixHelper);
registerConnectionHelper("tcp", tcpHelper);
registerConnectionHelper("docker", dockerHelper);
registerConnectionHelper("docker-container", dockerContainerHelper);
