// Original file: fsutil.proto

export const PacketType = {
  PACKET_STAT: 0,
  PACKET_REQ: 1,
  PACKET_DATA: 2,
  PACKET_FIN: 3,
  PACKET_ERR: 4,
} as const;

export type PacketType =
  | 'PACKET_STAT'
  | 0
  | 'PACKET_REQ'
  | 1
  | 'PACKET_DATA'
  | 2
  | 'PACKET_FIN'
  | 3
  | 'PACKET_ERR'
  | 4

export type PacketType__Output = typeof PacketType[keyof typeof PacketType]
