// Original file: auth.proto


export interface CredentialsResponse {
  'Username'?: (string);
  'Secret'?: (string);
}

export interface CredentialsResponse__Output {
  'Username': (string);
  'Secret': (string);
}
