import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Packet as _fsutil_types_Packet, Packet__Output as _fsutil_types_Packet__Output } from './fsutil/types/Packet.js';
import type { Stat as _fsutil_types_Stat, Stat__Output as _fsutil_types_Stat__Output } from './fsutil/types/Stat.js';
import type { BytesMessage as _moby_filesync_v1_BytesMessage, BytesMessage__Output as _moby_filesync_v1_BytesMessage__Output } from './moby/filesync/v1/BytesMessage.js';
import type { FileSendClient as _moby_filesync_v1_FileSendClient, FileSendDefinition as _moby_filesync_v1_FileSendDefinition } from './moby/filesync/v1/FileSend.js';
import type { FileSyncClient as _moby_filesync_v1_FileSyncClient, FileSyncDefinition as _moby_filesync_v1_FileSyncDefinition } from './moby/filesync/v1/FileSync.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  fsutil: {
    types: {
      Packet: MessageTypeDefinition<_fsutil_types_Packet, _fsutil_types_Packet__Output>
      PacketType: EnumTypeDefinition
      Stat: MessageTypeDefinition<_fsutil_types_Stat, _fsutil_types_Stat__Output>
    }
  }
  moby: {
    filesync: {
      v1: {
        BytesMessage: MessageTypeDefinition<_moby_filesync_v1_BytesMessage, _moby_filesync_v1_BytesMessage__Output>
        FileSend: SubtypeConstructor<typeof grpc.Client, _moby_filesync_v1_FileSendClient> & { service: _moby_filesync_v1_FileSendDefinition }
        FileSync: SubtypeConstructor<typeof grpc.Client, _moby_filesync_v1_FileSyncClient> & { service: _moby_filesync_v1_FileSyncDefinition }
      }
    }
  }
}

