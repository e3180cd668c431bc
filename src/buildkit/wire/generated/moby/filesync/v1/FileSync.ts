// Original file: filesync.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Packet as _fsutil_types_Packet, Packet__Output as _fsutil_types_Packet__Output } from '../../../fsutil/types/Packet.js';

export interface FileSyncClient extends grpc.Client {
  DiffCopy(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fsutil_types_Packet, _fsutil_types_Packet__Output>;
  DiffCopy(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fsutil_types_Packet, _fsutil_types_Packet__Output>;
  diffCopy(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fsutil_types_Packet, _fsutil_types_Packet__Output>;
  diffCopy(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fsutil_types_Packet, _fsutil_types_Packet__Output>;
  
  TarStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fsutil_types_Packet, _fsutil_types_Packet__Output>;
  TarStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fsutil_types_Packet, _fsutil_types_Packet__Output>;
  tarStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_fsutil_types_Packet, _fsutil_types_Packet__Output>;
  tarStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_fsutil_types_Packet, _fsutil_types_Packet__Output>;
  
}

export interface FileSyncHandlers extends grpc.UntypedServiceImplementation {
  DiffCopy: grpc.handleBidiStreamingCall<_fsutil_types_Packet__Output, _fsutil_types_Packet>;
  
  TarStream: grpc.handleBidiStreamingCall<_fsutil_types_Packet__Output, _fsutil_types_Packet>;
  
}

export interface FileSyncDefinition extends grpc.ServiceDefinition {
  DiffCopy: MethodDefinition<_fsutil_types_Packet, _fsutil_types_Packet, _fsutil_types_Packet__Output, _fsutil_types_Packet__Output>
  TarStream: MethodDefinition<_fsutil_types_Packet, _fsutil_types_Packet, _fsutil_types_Packet__Output, _fsutil_types_Packet__Output>
}
