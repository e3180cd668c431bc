/**
 * Control's unary RPCs by name, typed by the generated client: callers that pick the call by name
 * (one retry path for several calls) keep the request and answer types of each.
 */
import type * as grpc from "@grpc/grpc-js";

import type { ControlClient } from "./generated/moby/buildkit/v1/Control.js";
import type { DiskUsageRequest } from "./generated/moby/buildkit/v1/DiskUsageRequest.js";
import type { DiskUsageResponse__Output } from "./generated/moby/buildkit/v1/DiskUsageResponse.js";
import type { InfoRequest } from "./generated/moby/buildkit/v1/InfoRequest.js";
import type { InfoResponse__Output } from "./generated/moby/buildkit/v1/InfoResponse.js";
import type { ListWorkersRequest } from "./generated/moby/buildkit/v1/ListWorkersRequest.js";
import type { ListWorkersResponse__Output } from "./generated/moby/buildkit/v1/ListWorkersResponse.js";
import type { SolveRequest } from "./generated/moby/buildkit/v1/SolveRequest.js";
import type { SolveResponse__Output } from "./generated/moby/buildkit/v1/SolveResponse.js";

/** Each unary RPC: [request, answer as decoded]. */
export interface ControlUnary {
  ListWorkers: [ListWorkersRequest, ListWorkersResponse__Output];
  DiskUsage: [DiskUsageRequest, DiskUsageResponse__Output];
  Info: [InfoRequest, InfoResponse__Output];
  Solve: [SolveRequest, SolveResponse__Output];
}
export type UnaryName = keyof ControlUnary;

type Starter<N extends UnaryName> = (
  control: ControlClient,
  req: ControlUnary[N][0],
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: grpc.requestCallback<ControlUnary[N][1]>,
) => grpc.ClientUnaryCall;

const STARTERS: { [N in UnaryName]: Starter<N> } = {
  ListWorkers: (c, req, md, opts, cb) => c.ListWorkers(req, md, opts, cb),
  DiskUsage: (c, req, md, opts, cb) => c.DiskUsage(req, md, opts, cb),
  Info: (c, req, md, opts, cb) => c.Info(req, md, opts, cb),
  Solve: (c, req, md, opts, cb) => c.Solve(req, md, opts, cb),
};

/** Starts the unary call `name` on `control`. */
export function startUnary<N extends UnaryName>(
  control: ControlClient,
  name: N,
  req: ControlUnary[N][0],
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: grpc.requestCallback<ControlUnary[N][1]>,
): grpc.ClientUnaryCall {
  const start: Starter<N> = STARTERS[name];
  return start(control, req, md, opts, cb);
}
