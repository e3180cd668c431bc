// Original file: worker.proto


export interface BuildkitVersion {
  'package'?: (string);
  'version'?: (string);
  'revision'?: (string);
}

export interface BuildkitVersion__Output {
  'package': (string);
  'version': (string);
  'revision': (string);
}
