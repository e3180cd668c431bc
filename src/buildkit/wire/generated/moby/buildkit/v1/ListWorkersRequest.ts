// Original file: control.proto


export interface ListWorkersRequest {
  'filter'?: (string)[];
}

export interface ListWorkersRequest__Output {
  'filter': (string)[];
}
