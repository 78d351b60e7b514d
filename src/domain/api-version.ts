/** The Assistants API version a request speaks (OpenAI-Beta header or Azure api-version): objects are shown in its shape. */
export type ApiVersion = 'v1' | 'v2';
