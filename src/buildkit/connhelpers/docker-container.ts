/** `docker-container://NAME`: buildkitd in a container, reached through `buildctl dial-stdio`. */
import { Duplex, PassThrough } from "node:stream";

import * as grpc from "@grpc/grpc-js";
import createDebug from "debug";
import Docker from "dockerode";

import { startBridge } from "../bridge.js";
import { BuildKitError } from "../errors.js";
import { CHANNEL_OPTIONS, type ConnectOptions, type Transport } from "./transport.js";

const debug = createDebug("lfs-docker:buildkit");

/** Runs `buildctl dial-stdio` in a container and exposes its stdio as one Duplex. */
export async function dialContainer(docker: Docker, container: string): Promise<Duplex> {
  let stream: NodeJS.ReadWriteStream & { destroy?: (err?: Error) => void };
  try {
    const exec = await docker.getContainer(container).exec({
      Cmd: ["buildctl", "dial-stdio"],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    stream = (await exec.start({ hijack: true, stdin: true })) as typeof stream;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new BuildKitError("CONNECT", `cannot run buildctl dial-stdio in container ${container}: ${msg}`, { cause: err });
  }
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let errText = "";
  stderr.on("data", (c: Buffer) => {
    errText = (errText + c.toString("utf8")).slice(-4096);
  });
  docker.modem.demuxStream(stream, stdout, stderr);
  const duplex = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      stream.write(chunk, (err?: Error | null) => cb(err ?? null));
    },
    final(cb) {
      stream.end();
      cb();
    },
    read() {
      stdout.resume();
    },
    destroy(err, cb) {
      stream.destroy?.();
      cb(err);
    },
  });
  stdout.on("data", (c: Buffer) => {
    if (!duplex.push(c)) stdout.pause();
  });
  stream.on("end", () => {
    if (errText) debug("dial-stdio %s stderr: %s", container, errText.trim());
    duplex.push(null);
  });
  stream.on("error", (err: Error) => duplex.destroy(err));
  return duplex;
}

export async function dockerContainerHelper(url: URL, options: ConnectOptions): Promise<Transport> {
  const name = decodeURIComponent(url.hostname || url.pathname.replace(/^\/+/, ""));
  if (!name) throw new BuildKitError("UNSUPPORTED_ADDRESS", `docker-container address needs a container name: ${url.href}`);
  const docker = options.docker ?? new Docker();
  const bridge = await startBridge(() => dialContainer(docker, name), `container ${name}`);
  return {
    target: bridge.target,
    credentials: grpc.credentials.createInsecure(),
    channelOptions: { ...CHANNEL_OPTIONS, "grpc.default_authority": "localhost" },
    description: `buildkitd in container ${name}`,
    lastError: () => bridge.lastError,
    dialSession: () => dialContainer(docker, name),
    close: () => bridge.close(),
  };
}
