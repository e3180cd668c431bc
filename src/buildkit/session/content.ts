/**
 * containerd's content service (`containerd.services.content.v1.Content`) served in the session:
 * how BuildKit's `local` cache exporter writes a cache into a directory on the client's machine and
 * its importer reads one back (buildkit session/content: the client attaches its content stores by
 * id, and the daemon names the store of each call in the `buildkit-attachable-store-id` header; the
 * ids are `local:` + the `dest` or `src` attribute of the cache entry). The stores themselves are
 * ./content-store.ts.
 */
import createDebug from "debug";
import type * as grpc from "@grpc/grpc-js";

import { wire } from "../wire/load.js";
import { WriteAction, type WireContentInfo, type WireTimestampIn, type WireWriteContentRequest } from "../wire/types.js";
import { ContentStoreError, StoreCode, type BlobInfo, type Ingest, type IngestStatus, type OciContentStore } from "./content-store.js";
import { messageBytes, type Handler, type ServerCall } from "./call.js";

const debug = createDebug("lfs-docker:session");

export const CONTENT_SERVICE = "/containerd.services.content.v1.Content/";
/** The header naming the store a call is for (buildkit session/content GRPCHeaderID). */
export const STORE_ID_HEADER = "buildkit-attachable-store-id";
type Method = "Info" | "Update" | "List" | "Delete" | "Read" | "Status" | "ListStatuses" | "Write" | "Abort";

const timestamp = (d: Date): WireTimestampIn => ({ seconds: Math.floor(d.getTime() / 1000), nanos: (d.getTime() % 1000) * 1e6 });
const wireInfo = (i: BlobInfo, labels: Record<string, string> = {}): WireContentInfo => ({
  digest: i.digest,
  size: i.size,
  created_at: timestamp(i.createdAt),
  updated_at: timestamp(i.updatedAt),
  labels,
});
const wireStatus = (s: IngestStatus) => ({
  started_at: timestamp(s.startedAt),
  updated_at: timestamp(s.updatedAt),
  ref: s.ref,
  offset: s.offset,
  total: s.total,
  expected: s.expected,
});
const num = (v: string | number | undefined): number => Number(v ?? 0);

function method(name: Method): grpc.MethodDefinition<unknown, unknown> {
  return wire().Content[name] as grpc.MethodDefinition<unknown, unknown>;
}

/** The store named by the call's header. */
function storeFor(call: ServerCall, stores: ReadonlyMap<string, OciContentStore>): OciContentStore {
  const id = call.metadata.get(STORE_ID_HEADER)?.[0];
  if (id === undefined) throw new ContentStoreError(StoreCode.INVALID_ARGUMENT, `request lacks metadata ${JSON.stringify(STORE_ID_HEADER)}`);
  const store = stores.get(id);
  if (!store) throw new ContentStoreError(StoreCode.NOT_FOUND, `unknown store ${id}`);
  return store;
}

async function firstRequest<T>(call: ServerCall, def: grpc.MethodDefinition<unknown, unknown>): Promise<T> {
  for await (const m of call.messages) return def.requestDeserialize(messageBytes(m)) as T;
  throw new ContentStoreError(StoreCode.INVALID_ARGUMENT, "no request message");
}

function finishWithError(call: ServerCall, err: unknown): void {
  const code = err instanceof ContentStoreError ? err.code : StoreCode.INTERNAL;
  const message = err instanceof Error ? err.message : String(err);
  if (code !== StoreCode.NOT_FOUND && code !== StoreCode.ALREADY_EXISTS) debug("content %s: %s", call.path, message);
  call.finish(code, message);
}

/** A unary method: one request, one answer. */
function unary<Req>(name: Method, stores: ReadonlyMap<string, OciContentStore>, answer: (store: OciContentStore, req: Req) => Promise<unknown>): Handler {
  const def = method(name);
  return async (call) => {
    try {
      const store = storeFor(call, stores);
      const res = await answer(store, await firstRequest<Req>(call, def));
      await call.send(def.responseSerialize(res));
      call.finish(0);
    } catch (err) {
      finishWithError(call, err);
    }
  };
}

/** A ReadContentResponse, encoded around the data without copying it: offset (1, varint), data (2, bytes). */
export function encodeReadResponse(offset: number, data: Buffer): Buffer[] {
  const head: number[] = [];
  const varint = (v: number): void => {
    while (v >= 0x80) {
      head.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    head.push(v);
  };
  if (offset > 0) {
    head.push(0x08);
    varint(offset);
  }
  head.push(0x12);
  varint(data.length);
  return [Buffer.from(head), data];
}

function readHandler(stores: ReadonlyMap<string, OciContentStore>): Handler {
  const def = method("Read");
  return async (call) => {
    try {
      const store = storeFor(call, stores);
      const req = await firstRequest<{ digest: string; offset: string; size: string }>(call, def);
      for await (const chunk of store.read(req.digest, num(req.offset), num(req.size))) await call.send(encodeReadResponse(chunk.offset, chunk.data));
      call.finish(0);
    } catch (err) {
      finishWithError(call, err);
    }
  };
}

/**
 * Write: the first message names the ref (and may declare the size and digest); then data at the
 * current offset; COMMIT checks and stores the blob. Every message is answered with the offset.
 */
function writeHandler(stores: ReadonlyMap<string, OciContentStore>): Handler {
  const def = method("Write");
  return async (call) => {
    let ingest: Ingest | undefined;
    try {
      const store = storeFor(call, stores);
      for await (const m of call.messages) {
        const req = def.requestDeserialize(messageBytes(m)) as WireWriteContentRequest;
        ingest ??= await store.begin(req.ref, num(req.total), req.expected);
        if (req.expected) {
          await store.refuseExisting(req.expected);
          ingest.expected = req.expected;
        }
        if (num(req.total) > 0) ingest.total = num(req.total);
        let digest: string;
        if (req.action === WriteAction.STAT) {
          digest = ingest.digest;
        } else {
          await ingest.write(num(req.offset), req.data);
          digest = req.action === WriteAction.COMMIT ? await ingest.commit() : ingest.digest;
        }
        const s = ingest.status();
        await call.send(
          def.responseSerialize({
            action: req.action,
            started_at: timestamp(s.startedAt),
            updated_at: timestamp(s.updatedAt),
            offset: s.offset,
            total: s.total,
            digest,
          }),
        );
        if (req.action === WriteAction.COMMIT) break;
      }
      call.finish(0);
    } catch (err) {
      finishWithError(call, err);
    } finally {
      await ingest?.abort(); // after a commit: nothing left to do
    }
  };
}

/** The service's handlers by path, for the given stores (id → store). */
export function contentHandlers(stores: ReadonlyMap<string, OciContentStore>): Map<string, Handler> {
  const h = new Map<string, Handler>();
  const path = (m: string): string => `${CONTENT_SERVICE}${m}`;
  h.set(
    path("Info"),
    unary<{ digest: string }>("Info", stores, async (s, r) => ({ info: wireInfo(await s.info(r.digest)) })),
  );
  h.set(
    path("Update"),
    // Labels are not kept: the answer is the blob's info with the labels asked for.
    unary<{ info: WireContentInfo | null }>("Update", stores, async (s, r) => ({ info: wireInfo(await s.info(r.info?.digest ?? ""), r.info?.labels ?? {}) })),
  );
  h.set(path("List"), async (call) => {
    try {
      const store = storeFor(call, stores);
      await firstRequest(call, method("List"));
      await call.send(method("List").responseSerialize({ info: (await store.list()).map((i) => wireInfo(i)) }));
      call.finish(0);
    } catch (err) {
      finishWithError(call, err);
    }
  });
  h.set(
    path("Delete"),
    unary<{ digest: string }>("Delete", stores, async (s) => {
      throw new ContentStoreError(StoreCode.PERMISSION_DENIED, `lfs-docker does not delete blobs from the cache directory ${s.dir}`);
    }),
  );
  h.set(path("Read"), readHandler(stores));
  h.set(
    path("Status"),
    unary<{ ref: string }>("Status", stores, async (s, r) => ({ status: wireStatus(s.status(r.ref)) })),
  );
  h.set(
    path("ListStatuses"),
    unary("ListStatuses", stores, async (s) => ({ statuses: s.statuses().map(wireStatus) })),
  );
  h.set(path("Write"), writeHandler(stores));
  h.set(
    path("Abort"),
    unary<{ ref: string }>("Abort", stores, async (s, r) => {
      await s.abort(r.ref);
      return {};
    }),
  );
  return h;
}
