// Original file: control.proto

import type { Long } from '@grpc/proto-loader';

export interface VertexWarning {
  'vertex'?: (string);
  'level'?: (number | string | Long);
  'short'?: (Buffer | Uint8Array | string);
  'detail'?: (Buffer | Uint8Array | string)[];
  'url'?: (string);
}

export interface VertexWarning__Output {
  'vertex': (string);
  'level': (string);
  'short': (Buffer);
  'detail': (Buffer)[];
  'url': (string);
}
