// Original file: control.proto


export interface CacheOptionsEntry {
  'Type'?: (string);
  'Attrs'?: ({[key: string]: string});
}

export interface CacheOptionsEntry__Output {
  'Type': (string);
  'Attrs': ({[key: string]: string});
}
