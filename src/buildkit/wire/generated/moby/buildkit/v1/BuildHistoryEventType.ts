// Original file: control.proto

export const BuildHistoryEventType = {
  STARTED: 0,
  COMPLETE: 1,
  DELETED: 2,
} as const;

export type BuildHistoryEventType =
  | 'STARTED'
  | 0
  | 'COMPLETE'
  | 1
  | 'DELETED'
  | 2

export type BuildHistoryEventType__Output = typeof BuildHistoryEventType[keyof typeof BuildHistoryEventType]
