// Original file: content.proto

export const WriteAction = {
  STAT: 0,
  WRITE: 1,
  COMMIT: 2,
} as const;

export type WriteAction =
  | 'STAT'
  | 0
  | 'WRITE'
  | 1
  | 'COMMIT'
  | 2

export type WriteAction__Output = typeof WriteAction[keyof typeof WriteAction]
