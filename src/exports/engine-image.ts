/**
 * The Docker Engine's side of image outputs, done as buildx does it: a `docker` image built on another
 * builder is streamed into the engine's `POST /images/load` (--load), and an image the engine's own
 * BuildKit stored is pushed with `POST /images/{name}/push` (--push on the `docker` driver), with the
 * registry credentials of the docker config.
 */
import { PassThrough, type Writable } from "node:stream";

import type Docker from "dockerode";

import type { CredentialsProvider } from "../buildkit/auth.js";
import { LfsDockerError } from "../errors.js";

export class EngineImageError extends LfsDockerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_ENGINE_IMAGE", message, options);
    this.name = "EngineImageError";
  }
}

interface JsonMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

/** Reads the engine's JSON message stream; the first error message fails it. */
export async function readMessages(body: NodeJS.ReadableStream, what: string): Promise<JsonMessage[]> {
  const messages: JsonMessage[] = [];
  let text = "";
  for await (const chunk of body as AsyncIterable<Buffer | string>) text += chunk.toString();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    let m: JsonMessage;
    try {
      m = JSON.parse(line) as JsonMessage;
    } catch {
      continue;
    }
    const error = m.errorDetail?.message ?? m.error;
    if (error) throw new EngineImageError(`${what}: the Docker Engine says: ${error}`);
    messages.push(m);
  }
  return messages;
}

/** Image names the engine reported as loaded (`Loaded image: NAME`, `Loaded image ID: sha256:…`). */
function loadedNames(messages: JsonMessage[]): string[] {
  return messages.flatMap((m) => {
    const hit = /^Loaded image(?: ID)?: (\S+)/.exec(m.stream ?? "");
    return hit ? [hit[1]!] : [];
  });
}

export interface EngineLoader {
  /** Where the daemon's docker-format tar goes. */
  stream: Writable;
  /** Settles when the engine has read the whole tar: the names it loaded. */
  done: Promise<string[]>;
}

/** `docker load` of a stream: the tar written to `stream` goes straight into the engine. */
export function engineLoader(docker: Docker): EngineLoader {
  const stream = new PassThrough();
  const done = docker.loadImage(stream, { quiet: true }).then(
    (body) => readMessages(body, "loading the image into the Docker Engine").then(loadedNames),
    (err: unknown) => {
      stream.destroy();
      throw new EngineImageError(`loading the image into the Docker Engine failed: ${(err as Error).message}`, { cause: err });
    },
  );
  done.catch(() => {});
  return { stream, done };
}

/** `registry:5000/team/lfs:12.3` → repository and tag (a name without a tag is `:latest`, as the docker CLI pushes it). */
export function splitTag(name: string): { repository: string; tag: string } {
  if (name.includes("@")) throw new EngineImageError(`cannot push ${name}: a name with a digest names what is already pushed`);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: "latest" };
}

/** The registry host of an image name, as the docker CLI finds it (no dot, colon or localhost: Docker Hub). */
export function registryHost(repository: string): string {
  const first = repository.split("/")[0]!;
  if (repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return first;
  return "docker.io";
}

/** Pushes one image from the engine's store; resolves to the digest the registry gave it. */
export async function pushWithEngine(docker: Docker, name: string, credentials?: CredentialsProvider): Promise<string | undefined> {
  const { repository, tag } = splitTag(name);
  const host = registryHost(repository);
  const creds = await credentials?.(host === "docker.io" ? "index.docker.io" : host);
  const authconfig = creds
    ? creds.username === ""
      ? { identitytoken: creds.secret, serveraddress: host }
      : { username: creds.username, password: creds.secret, serveraddress: host }
    : { serveraddress: host };
  let body: NodeJS.ReadableStream;
  try {
    body = await docker.getImage(repository).push({ tag, authconfig });
  } catch (err) {
    throw new EngineImageError(`pushing ${name} with the Docker Engine failed: ${(err as Error).message}`, { cause: err });
  }
  const messages = await readMessages(body, `pushing ${name}`);
  return messages.find((m) => m.aux?.Digest)?.aux?.Digest;
}
