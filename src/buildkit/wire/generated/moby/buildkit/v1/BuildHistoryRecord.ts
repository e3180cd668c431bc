// Original file: control.proto

import type { RpcStatus as _moby_buildkit_v1_RpcStatus, RpcStatus__Output as _moby_buildkit_v1_RpcStatus__Output } from '../../../moby/buildkit/v1/RpcStatus.js';

export interface BuildHistoryRecord {
  'Ref'?: (string);
  'error'?: (_moby_buildkit_v1_RpcStatus | null);
}

export interface BuildHistoryRecord__Output {
  'Ref': (string);
  'error': (_moby_buildkit_v1_RpcStatus__Output | null);
}
