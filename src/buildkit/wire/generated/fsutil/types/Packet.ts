// Original file: fsutil.proto

import type { PacketType as _fsutil_types_PacketType, PacketType__Output as _fsutil_types_PacketType__Output } from '../../fsutil/types/PacketType.js';
import type { Stat as _fsutil_types_Stat, Stat__Output as _fsutil_types_Stat__Output } from '../../fsutil/types/Stat.js';

export interface Packet {
  'type'?: (_fsutil_types_PacketType);
  'stat'?: (_fsutil_types_Stat | null);
  'ID'?: (number);
  'data'?: (Buffer | Uint8Array | string);
}

export interface Packet__Output {
  'type': (_fsutil_types_PacketType__Output);
  'stat': (_fsutil_types_Stat__Output | null);
  'ID': (number);
  'data': (Buffer);
}
