/** Request bodies and queries of /threads/{id}/messages (a message's own input is in ./input.ts). */
import { ListQuery, Metadata, Nullable } from '../schemas.js';
import { Type } from '@sinclair/typebox';

export const ModifyMessageBody = Type.Object({ metadata: Type.Optional(Nullable(Metadata)) }, { additionalProperties: false });
export const ListMessagesQuery = Type.Composite([ListQuery, Type.Object({ run_id: Type.Optional(Type.String()) })], {
  additionalProperties: true,
});
