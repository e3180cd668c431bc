// Original file: secrets.proto


export interface GetSecretRequest {
  'ID'?: (string);
  'annotations'?: ({[key: string]: string});
}

export interface GetSecretRequest__Output {
  'ID': (string);
  'annotations': ({[key: string]: string});
}
