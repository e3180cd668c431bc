/**
 * A fake BuildKit daemon for unit tests of the session: a Control server whose Session handler turns
 * the stream around, and a grpc-js client that calls into the session as the real daemon does.
 */
import { Duplex } from "node:stream";
import { join } from "node:path";

import * as grpc from "@grpc/grpc-js";

import { startBridge, type Bridge } from "../../src/buildkit/bridge.js";
import { wire, type ControlClient } from "../../src/buildkit/wire/load.js";
import type { WireBytesMessage } from "../../src/buildkit/wire/types.js";

/** The daemon's side of Control.Session as a byte duplex. */
function serverCallToDuplex(call: grpc.ServerDuplexStream<WireBytesMessage, WireBytesMessage>): Duplex {
  const d = new Duplex({
    read() {
      call.resume();
    },
    write(chunk: Buffer, _e, cb) {
      if (call.write({ data: chunk })) cb();
      else call.once("drain", () => cb());
    },
    final(cb) {
      call.end();
      cb();
    },
  });
  call.on("data", (m: WireBytesMessage) => {
    if (!d.push(m.data)) call.pause();
  });
  call.on("end", () => d.push(null));
  call.on("error", (e: Error) => d.destroy(e));
  call.on("cancelled", () => d.destroy());
  return d;
}

export interface FakeDaemon {
  control: ControlClient;
  /** A grpc client calling into the most recent session. */
  session: () => Promise<{ client: grpc.Client; metadata: grpc.Metadata }>;
  close(): Promise<void>;
}

export async function fakeDaemon(dir: string): Promise<FakeDaemon> {
  const server = new grpc.Server();
  const sessions: Array<{ client: grpc.Client; metadata: grpc.Metadata; bridge: Bridge }> = [];
  let notify: (() => void) | undefined;
  server.addService(wire().Control.service, {
    Session: (call: grpc.ServerDuplexStream<WireBytesMessage, WireBytesMessage>) => {
      const duplex = serverCallToDuplex(call);
      let used = false;
      void startBridge(async () => {
        if (used) throw new Error("session stream already used");
        used = true;
        return duplex;
      }, "fake-session").then((bridge) => {
        sessions.push({ client: new grpc.Client(bridge.target, grpc.credentials.createInsecure()), metadata: call.metadata, bridge });
        notify?.();
      });
    },
  });
  const sock = join(dir, "daemon.sock");
  await new Promise<void>((res, rej) => server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? rej(e) : res())));
  const { Control } = wire();
  const control = new Control(`unix://${sock}`, grpc.credentials.createInsecure());
  return {
    control,
    session: async () => {
      while (sessions.length === 0) await new Promise<void>((r) => (notify = r));
      return sessions[sessions.length - 1]!;
    },
    close: async () => {
      for (const s of sessions) {
        s.client.close();
        await s.bridge.close();
      }
      control.close();
      server.forceShutdown();
    },
  };
}
