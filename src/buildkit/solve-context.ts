/** What a solve needs from the client: the Control connection and what the client knows of the daemon. */
import type { Duplex } from "node:stream";

import type { BuildKitError } from "./errors.js";
import type { LocalLayout } from "./solve-request.js";
import type { SolveOptions } from "./types.js";
import type { ControlClient } from "./wire/load.js";

export interface SolveContext {
  control: ControlClient;
  /** The daemon in words, for messages (`Docker Engine at unix:///var/run/docker.sock`). */
  daemon?: string;
  /** True when talking to Docker Engine's embedded BuildKit (`image` exports become `moby`). */
  dockerEngine: boolean;
  /** Describes the connection's last dial failure for messages. */
  lastTransportError(): Error | undefined;
  /**
   * The daemon reads only the legacy single `Exporter` field (BuildKit < 0.13, e.g. 0.8 in
   * Docker 20.10): several exports then run as one solve each, the later ones from the cache.
   */
  oneExportPerSolve?: boolean;
  /** A fresh raw connection to the daemon for the session (see Transport.dialSession). */
  dialSession?: () => Promise<Duplex>;
  /** Docker Engine's `POST /session` (see Transport.openEngineSession). */
  openEngineSession?: (sessionHeaders: Record<string, string | string[]>) => Promise<Duplex>;
  /** Turns a failure into a clearer error (a feature the daemon lacks, ...). */
  explain?(err: BuildKitError, opts: SolveOptions, layout: LocalLayout): Promise<BuildKitError>;
  /**
   * The connection stopped delivering the daemon's answers (see SOLVE_ANSWER_GRACE_MS): the caller
   * should not send more calls on it.
   */
  connectionSuspect?(): void;
  /**
   * A Control client on a connection of its own (closed by the caller), to ask the daemon's build
   * records how a build ended when the current connection may be stuck (see SOLVE_ANSWER_GRACE_MS).
   */
  freshControl?(): ControlClient;
}
