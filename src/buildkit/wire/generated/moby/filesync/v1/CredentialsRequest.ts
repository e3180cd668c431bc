// Original file: auth.proto


export interface CredentialsRequest {
  'Host'?: (string);
}

export interface CredentialsRequest__Output {
  'Host': (string);
}
