/** A fake BuildKit Control server on loopback for unit tests, and a client of ours connected to it. */
import * as grpc from "@grpc/grpc-js";

import { wire, type ControlClient } from "../../src/buildkit/wire/load.js";

export interface FakeControl {
  client: ControlClient;
  close(): void;
}

/** Serves `handlers` (methods it lacks answer UNIMPLEMENTED, as an older daemon's do). */
export async function startFakeControl(handlers: grpc.UntypedServiceImplementation): Promise<FakeControl> {
  const server = new grpc.Server();
  const { Control } = wire();
  server.addService(Control.service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const client = new Control(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    client,
    close() {
      client.close();
      server.forceShutdown();
    },
  };
}
