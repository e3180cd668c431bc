// Original file: control.proto


export interface DiskUsageRequest {
  'filter'?: (string)[];
}

export interface DiskUsageRequest__Output {
  'filter': (string)[];
}
