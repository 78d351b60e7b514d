/**
 * One request with the path sent byte for byte as given (like `curl --path-as-is`): fetch would
 * normalize `//`, `%xx` and absolute forms, which the route tests need to send as written.
 */
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as received (empty for a HEAD). */
  text: string;
  /** The body parsed when it is JSON, else `{}`. */
  body: { error?: { message: string; type: string; code: string | null } } & Record<string, unknown>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

export function sendRaw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<RawAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path,
        headers:
          payload === undefined
            ? headers
            : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: RawAnswer['body'] = {};
          try {
            parsed = text && res.headers['content-type']?.includes('json') ? (JSON.parse(text) as RawAnswer['body']) : {};
          } catch {
            parsed = {};
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
