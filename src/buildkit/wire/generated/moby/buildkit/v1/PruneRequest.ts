// Original file: control.proto

import type { Long } from '@grpc/proto-loader';

export interface PruneRequest {
  'filter'?: (string)[];
  'all'?: (boolean);
  'keepDuration'?: (number | string | Long);
  'keepBytes'?: (number | string | Long);
}

export interface PruneRequest__Output {
  'filter': (string)[];
  'all': (boolean);
  'keepDuration': (string);
  'keepBytes': (string);
}
