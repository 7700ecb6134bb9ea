import http from 'node:http';
import axios from 'axios';
import type { ClientOptions, GunNode } from '../../../src/index.js';
import { sdk } from './sdk.js';

/** One way of writing a node to the relay, for the throughput scenarios. */
export interface PutVariant {
  name: string;
  put(soul: string, node: GunNode): Promise<void>;
  close(): void;
}

/** Fixed inputs: souls and small nodes, built once so every variant pays the same for them. */
export function fixedInputs(count: number): { souls: string[]; nodes: GunNode[] } {
  const souls = Array.from({ length: count }, (_, i) => `a1b2c3d4e5f6:bench-${i}`);
  const nodes = Array.from({ length: count }, (_, i) => ({ title: `record ${i}`, n: i, ok: true }));
  return { souls, nodes };
}

/** gun-relay-client's `put`, with `options` on top of the base URL. */
export function sdkVariant(name: string, baseUrl: string, options: Partial<ClientOptions> = {}): PutVariant {
  const client = new sdk.GunRelayClient({ ...options, baseUrl });
  return {
    name,
    put: async (soul, node) => {
      const r = await client.put(soul, node);
      if (r.outcome !== 'written') throw new Error(`unexpected outcome ${r.outcome}`);
    },
    close: () => client.close(),
  };
}

/** A plain `axios.post` on an instance with a keep-alive agent (what a careful worker writes). */
export function axiosVariant(baseUrl: string, maxSockets: number): PutVariant {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const ax = axios.create({ httpAgent: agent, timeout: 30_000 });
  const url = `${baseUrl}/put`;
  return {
    name: 'axios',
    put: async (soul, data) => {
      const res = await ax.post<{ success?: boolean }>(url, { soul, data });
      if (res.data.success !== true) throw new Error('not acknowledged');
    },
    close: () => agent.destroy(),
  };
}

/** `node:http` with a keep-alive agent: the floor for an HTTP/1.1 JSON exchange in Node. */
export function rawHttpVariant(baseUrl: string, maxSockets: number): PutVariant {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const target = new URL(`${baseUrl}/put`);
  const put = (soul: string, data: GunNode): Promise<void> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ soul, data });
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { success?: boolean };
              if (res.statusCode === 200 && parsed.success === true) resolve();
              else reject(new Error(`status ${res.statusCode}`));
            } catch (error) {
              reject(error as Error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { name: 'node:http', put, close: () => agent.destroy() };
}
