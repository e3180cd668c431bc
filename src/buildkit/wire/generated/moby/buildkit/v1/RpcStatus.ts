// Original file: control.proto


export interface RpcStatus {
  'code'?: (number);
  'message'?: (string);
}

export interface RpcStatus__Output {
  'code': (number);
  'message': (string);
}
