/**
 * A message peer: what the fsutil sender/receiver logic talks to. The session builds one from a
 * gRPC stream; unit tests build one from in-memory queues (a fake daemon), no daemon needed.
 */
import type { Duplex } from "node:stream";

export interface Peer<T> {
  /** Sends one message, resolving when the transport accepted it (backpressure). */
  send(msg: T): Promise<void>;
  /** Incoming messages; ends when the other side closes its half. */
  readonly messages: AsyncIterable<T>;
  /** Closes our half. */
  end(): void;
}

/** A Peer over an object-mode duplex (a grpc-js server call), with optional (de)coding. */
export function peerFromStream<Wire, T>(stream: Duplex, decode: (w: Wire) => T, encode: (m: T) => Wire): Peer<T> {
  return {
    send(msg: T): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        if (stream.destroyed || stream.writableEnded) {
          reject(new Error("stream closed"));
          return;
        }
        const ok = stream.write(encode(msg));
        if (ok) {
          resolve();
          return;
        }
        const onDrain = (): void => {
          cleanup();
          resolve();
        };
        const onClose = (): void => {
          cleanup();
          reject(new Error("stream closed"));
        };
        const cleanup = (): void => {
          stream.off("drain", onDrain);
          stream.off("close", onClose);
        };
        stream.on("drain", onDrain);
        stream.on("close", onClose);
      });
    },
    messages: readStream(stream, decode),
    end(): void {
      if (!stream.writableEnded && !stream.destroyed) stream.end();
    },
  };
}

/**
 * Incoming messages of a stream, without tying the stream's life to the iteration (breaking out
 * of a `for await` over a Node stream would destroy it before our last reply is flushed).
 */
function readStream<Wire, T>(stream: Duplex, decode: (w: Wire) => T): AsyncIterable<T> {
  const queue = new AsyncQueue<T>();
  let buffered = 0;
  stream.on("data", (w: Wire) => {
    try {
      queue.push(decode(w));
    } catch (err) {
      queue.end(err);
      return;
    }
    if (++buffered >= 64) stream.pause();
  });
  stream.on("end", () => queue.end());
  stream.on("error", (err) => queue.end(err));
  stream.on("close", () => queue.end(new Error("stream closed before it ended")));
  return {
    async *[Symbol.asyncIterator]() {
      for await (const m of queue) {
        buffered = Math.max(0, buffered - 1);
        if (buffered < 16 && stream.isPaused()) stream.resume();
        yield m;
      }
    },
  };
}

/** An in-memory async queue (used for fake peers and the event stream). */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiters: Array<(r: IteratorResult<T>) => void> = [];
  private failers: Array<(e: unknown) => void> = [];
  private ended = false;
  private error: unknown;

  push(item: T): void {
    if (this.ended) return;
    const w = this.waiters.shift();
    this.failers.shift();
    if (w) w({ value: item, done: false });
    else this.items.push(item);
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    const waiters = this.waiters.splice(0);
    const failers = this.failers.splice(0);
    waiters.forEach((w, i) => {
      if (error !== undefined) failers[i]!(error);
      else w({ value: undefined, done: true });
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift()!;
        continue;
      }
      if (this.ended) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      const r = await new Promise<IteratorResult<T>>((resolve, reject) => {
        this.waiters.push(resolve);
        this.failers.push(reject);
      });
      if (r.done) return;
      yield r.value;
    }
  }
}

/** Two connected in-memory peers (for tests and fakes). */
export function peerPair<T>(): [Peer<T>, Peer<T>] {
  const ab = new AsyncQueue<T>();
  const ba = new AsyncQueue<T>();
  return [
    { send: async (m) => ab.push(m), messages: ba, end: () => ab.end() },
    { send: async (m) => ba.push(m), messages: ab, end: () => ba.end() },
  ];
}

/**
 * Messages to a peer, sent in order by their own task: post() never waits.
 *
 * For a side that must keep reading while it talks. The fsutil sender (the daemon, in a `local`
 * export) reads our REQs into a bounded pipeline (128 entries) served by 4 workers that send DATA
 * through one lock; when the pipeline is full it stops reading, our REQs fill its receive window
 * and our writes stop draining. A receiver that awaited each REQ before reading the next packet
 * would then stop reading DATA, the workers would block on their sends, the pipeline would never
 * drain: a deadlock (seen at ~6,600 entries of a root file system). With an outbox, REQs wait
 * here (a few bytes each, at most one per file) while the reading goes on.
 */
export class Outbox<T> {
  private items: T[] = [];
  private head = 0;
  private running: Promise<void> | undefined;
  /** The first send failure; nothing more is sent after it. */
  failure: Error | undefined;

  constructor(private readonly peer: Peer<T>) {}

  /** Queues a message; it goes out after everything posted before it. */
  post(msg: T): void {
    if (this.failure) return;
    this.items.push(msg);
    this.running ??= this.pump();
  }

  /** Messages posted but not yet accepted by the transport. */
  get pending(): number {
    return this.items.length - this.head;
  }

  private async pump(): Promise<void> {
    try {
      while (this.head < this.items.length) {
        const msg = this.items[this.head]!;
        this.items[this.head++] = undefined as T;
        if (this.head >= 1024 && this.head * 2 >= this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        await this.peer.send(msg);
      }
      this.items = [];
      this.head = 0;
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      this.items = [];
      this.head = 0;
    } finally {
      this.running = undefined;
    }
  }

  /** Resolves when everything posted so far was accepted; rejects with the send failure. */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
  }
}
