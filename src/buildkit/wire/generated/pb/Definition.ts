// Original file: ops.proto


export interface Definition {
  'def'?: (Buffer | Uint8Array | string)[];
}

export interface Definition__Output {
  'def': (Buffer)[];
}
