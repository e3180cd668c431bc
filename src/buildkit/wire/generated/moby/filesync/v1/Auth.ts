// Original file: auth.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CredentialsRequest as _moby_filesync_v1_CredentialsRequest, CredentialsRequest__Output as _moby_filesync_v1_CredentialsRequest__Output } from '../../../moby/filesync/v1/CredentialsRequest.js';
import type { CredentialsResponse as _moby_filesync_v1_CredentialsResponse, CredentialsResponse__Output as _moby_filesync_v1_CredentialsResponse__Output } from '../../../moby/filesync/v1/CredentialsResponse.js';

export interface AuthClient extends grpc.Client {
  Credentials(argument: _moby_filesync_v1_CredentialsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_moby_filesync_v1_CredentialsResponse__Output>): grpc.ClientUnaryCall;
  Credentials(argument: _moby_filesync_v1_CredentialsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_moby_filesync_v1_CredentialsResponse__Output>): grpc.ClientUnaryCall;
  Credentials(argument: _moby_filesync_v1_CredentialsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_moby_filesync_v1_CredentialsResponse__Output>): grpc.ClientUnaryCall;
  Credentials(argument: _moby_filesync_v1_CredentialsRequest, callback: grpc.requestCallback<_moby_filesync_v1_CredentialsResponse__Output>): grpc.ClientUnaryCall;
  credentials(argument: _moby_filesync_v1_CredentialsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_moby_filesync_v1_CredentialsResponse__Output>): grpc.ClientUnaryCall;
  credentials(argument: _moby_filesync_v1_CredentialsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_moby_filesync_v1_CredentialsResponse__Output>): grpc.ClientUnaryCall;
  credentials(argument: _moby_filesync_v1_CredentialsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_moby_filesync_v1_CredentialsResponse__Output>): grpc.ClientUnaryCall;
  credentials(argument: _moby_filesync_v1_CredentialsRequest, callback: grpc.requestCallback<_moby_filesync_v1_CredentialsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AuthHandlers extends grpc.UntypedServiceImplementation {
  Credentials: grpc.handleUnaryCall<_moby_filesync_v1_CredentialsRequest__Output, _moby_filesync_v1_CredentialsResponse>;
  
}

export interface AuthDefinition extends grpc.ServiceDefinition {
  Credentials: MethodDefinition<_moby_filesync_v1_CredentialsRequest, _moby_filesync_v1_CredentialsResponse, _moby_filesync_v1_CredentialsRequest__Output, _moby_filesync_v1_CredentialsResponse__Output>
}
