// Original file: worker.proto

import type { Long } from '@grpc/proto-loader';

export interface GCPolicy {
  'all'?: (boolean);
  'keepDuration'?: (number | string | Long);
  'keepBytes'?: (number | string | Long);
  'filters'?: (string)[];
}

export interface GCPolicy__Output {
  'all': (boolean);
  'keepDuration': (string);
  'keepBytes': (string);
  'filters': (string)[];
}
