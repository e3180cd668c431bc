// Original file: control.proto


export interface StatusRequest {
  'Ref'?: (string);
}

export interface StatusRequest__Output {
  'Ref': (string);
}
