import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AuthClient as _moby_filesync_v1_AuthClient, AuthDefinition as _moby_filesync_v1_AuthDefinition } from './moby/filesync/v1/Auth.js';
import type { CredentialsRequest as _moby_filesync_v1_CredentialsRequest, CredentialsRequest__Output as _moby_filesync_v1_CredentialsRequest__Output } from './moby/filesync/v1/CredentialsRequest.js';
import type { CredentialsResponse as _moby_filesync_v1_CredentialsResponse, CredentialsResponse__Output as _moby_filesync_v1_CredentialsResponse__Output } from './moby/filesync/v1/CredentialsResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  moby: {
    filesync: {
      v1: {
        Auth: SubtypeConstructor<typeof grpc.Client, _moby_filesync_v1_AuthClient> & { service: _moby_filesync_v1_AuthDefinition }
        CredentialsRequest: MessageTypeDefinition<_moby_filesync_v1_CredentialsRequest, _moby_filesync_v1_CredentialsRequest__Output>
        CredentialsResponse: MessageTypeDefinition<_moby_filesync_v1_CredentialsResponse, _moby_filesync_v1_CredentialsResponse__Output>
      }
    }
  }
}

