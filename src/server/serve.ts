import type { AddressInfo } from 'node:net';
import { serve as serveNode } from '@hono/node-server';
import type { OrgEngine } from '../engine/org-engine.ts';
import { createApp } from './app.ts';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
  /** Settles when the server stops. */
  closed: Promise<void>;
}

export async function serve(
  engine: OrgEngine,
  options: { host: string; port: number; org: string },
): Promise<RunningServer> {
  const app = createApp(engine, options.org);
  return new Promise((resolve, reject) => {
    let settle: () => void = () => {};
    const closed = new Promise<void>((r) => {
      settle = r;
    });
    const server = serveNode(
      { fetch: app.fetch, hostname: options.host, port: options.port },
      (info: AddressInfo) => {
        resolve({
          port: info.port,
          closed,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
            }),
        });
      },
    );
    server.on('error', reject);
    server.on('close', () => settle());
    const stop = () => server.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
