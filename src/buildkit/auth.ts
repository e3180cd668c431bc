/**
 * Registry credentials for the session's Auth service, read the way the docker CLI stores them:
 * `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`) with `credHelpers` (per registry),
 * `credsStore` (all registries) and `auths` (base64 `user:password`, or an identity token).
 *
 * The daemon asks for a registry by host name as it dials it (`registry-1.docker.io`, `ghcr.io`,
 * `127.0.0.1:5000`); Docker Hub's credentials are stored under `https://index.docker.io/v1/`.
 * Nothing found means anonymous access (an empty answer), never an error.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

import createDebug from "debug";

import { BuildKitError } from "./errors.js";

const debug = createDebug("lfs-docker:auth");

export interface RegistryCredentials {
  /** Empty with an identity (refresh) token in `secret`. */
  username: string;
  secret: string;
}

/** Answers the daemon's credential requests: a host → its credentials, or undefined (anonymous). */
export type CredentialsProvider = (host: string) => Promise<RegistryCredentials | undefined>;

export interface DockerConfigOptions {
  /** The directory of config.json (default: $DOCKER_CONFIG, else ~/.docker). */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

const DOCKER_HUB_HOSTS = new Set(["registry-1.docker.io", "index.docker.io", "docker.io"]);
const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

/** `https://host:port/v1/` → `host:port`, as the docker CLI compares config keys. */
export function registryHostname(key: string): string {
  let h = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const slash = h.indexOf("/");
  if (slash >= 0) h = h.slice(0, slash);
  h = h.toLowerCase();
  return DOCKER_HUB_HOSTS.has(h) ? "index.docker.io" : h;
}

function configPath(opts: DockerConfigOptions): string {
  const env = opts.env ?? process.env;
  return join(opts.configDir ?? env["DOCKER_CONFIG"] ?? join(homedir(), ".docker"), "config.json");
}

async function readConfig(file: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new BuildKitError("AUTH", `cannot read the docker config ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
    return parsed as DockerConfig;
  } catch (err) {
    throw new BuildKitError("AUTH", `the docker config ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function fromEntry(e: AuthEntry, where: string): RegistryCredentials | undefined {
  if (e.identitytoken) return { username: "", secret: e.identitytoken };
  if (e.auth) {
    const plain = Buffer.from(e.auth, "base64").toString("utf8");
    const colon = plain.indexOf(":");
    if (colon < 0) throw new BuildKitError("AUTH", `the "auth" value for ${where} is not base64 of user:password`);
    return { username: plain.slice(0, colon), secret: plain.slice(colon + 1) };
  }
  if (e.username !== undefined && e.password !== undefined) return { username: e.username, secret: e.password };
  return undefined;
}

/**
 * Runs `docker-credential-NAME get` with the server URL on stdin (the credential helpers' protocol).
 * "Not found" answers mean no credentials; other failures are errors naming the helper.
 */
export function credentialHelperGet(helper: string, serverUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ["get"], { env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) =>
      reject(new BuildKitError("AUTH", `cannot run the credential helper ${program} (named in the docker config): ${e.message}`, { cause: e })),
    );
    child.on("close", (code) => {
      const stdout = Buffer.concat(out).toString("utf8").trim();
      if (code !== 0) {
        const msg = `${stdout} ${Buffer.concat(err).toString("utf8")}`.trim();
        if (/credentials not found|not found in native keychain/i.test(msg)) return resolve(undefined);
        return reject(new BuildKitError("AUTH", `credential helper ${program} failed for ${serverUrl} (exit ${code}): ${msg || "no message"}`));
      }
      try {
        const r = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (!r.Secret) return resolve(undefined);
        // The helpers' convention for an identity token.
        resolve({ username: r.Username === "<token>" ? "" : (r.Username ?? ""), secret: r.Secret });
      } catch (e) {
        reject(new BuildKitError("AUTH", `credential helper ${program} printed something other than JSON for ${serverUrl}`, { cause: e }));
      }
    });
    child.stdin.on("error", () => {}); // a helper that exits without reading stdin
    child.stdin.end(serverUrl);
  });
}

/** Credentials from the docker CLI's config (see the file's header). */
export function dockerConfigCredentials(opts: DockerConfigOptions = {}): CredentialsProvider {
  const env = opts.env ?? process.env;
  const file = configPath(opts);
  return async (host) => {
    const config = await readConfig(file);
    if (!config) return undefined;
    const want = registryHostname(host);
    const serverUrl = want === "index.docker.io" ? DOCKER_HUB_KEY : want;
    const helper = Object.entries(config.credHelpers ?? {}).find(([k]) => registryHostname(k) === want)?.[1] ?? config.credsStore;
    if (helper) {
      const viaHelper = await credentialHelperGet(helper, serverUrl, env);
      debug("%s: helper %s: %s", host, helper, viaHelper ? "found" : "none");
      if (viaHelper) return viaHelper;
    }
    for (const [key, entry] of Object.entries(config.auths ?? {})) {
      if (registryHostname(key) !== want || typeof entry !== "object" || entry === null) continue;
      const creds = fromEntry(entry, `${key} in ${file}`);
      debug("%s: auths[%s]: %s", host, key, creds ? "found" : "empty");
      if (creds) return creds;
    }
    return undefined;
  };
}
