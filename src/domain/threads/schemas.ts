/** Request bodies of /threads. */
import { MessageInput } from '../messages/input.js';
import { Metadata, Nullable, ToolResources } from '../schemas.js';
import { Static, Type } from '@sinclair/typebox';

export const CreateThreadBody = Type.Object(
  {
    messages: Type.Optional(Type.Array(MessageInput)),
    tool_resources: Type.Optional(Nullable(ToolResources)),
    metadata: Type.Optional(Nullable(Metadata)),
  },
  { additionalProperties: false },
);
export type CreateThreadBody = Static<typeof CreateThreadBody>;

export const ModifyThreadBody = Type.Object(
  {
    tool_resources: Type.Optional(Nullable(ToolResources)),
    metadata: Type.Optional(Nullable(Metadata)),
  },
  { additionalProperties: false },
);
