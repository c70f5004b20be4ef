import type { AddressInfo } from 'node:net';
import { serve as serveNode } from '@hono/node-server';
import type { OrgEngine } from '../engine/org-engine.ts';
import { AccessService } from './access.ts';
import { createApp } from './app.ts';
import { applyDuePlans } from './scheduler.ts';

export interface RunningServer {
  port: number;
  access: AccessService;
  close(): Promise<void>;
  /** Settles when the server stops. */
  closed: Promise<void>;
}

const SCHEDULER_INTERVAL_MS = 60_000;

export async function serve(
  engine: OrgEngine,
  options: { host: string; port: number; org: string; target?: string },
): Promise<RunningServer> {
  const access = new AccessService(engine, options.org);
  // Imports on a thread of their own need the store where another connection can reach it.
  const { target } = options;
  const shared = target !== undefined && target !== ':memory:' && target !== '';
  const app = createApp(engine, access, shared ? { importThread: { target } } : {});
  const tick = () => {
    applyDuePlans(engine, access).catch(() => {});
  };
  tick();
  const timer = setInterval(tick, SCHEDULER_INTERVAL_MS);
  timer.unref();
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
          access,
          closed,
          close: () =>
            new Promise<void>((done) => {
              clearInterval(timer);
              server.close(() => done());
            }),
        });
      },
    );
    server.on('error', reject);
    server.on('close', () => {
      clearInterval(timer);
      settle();
    });
    const stop = () => server.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
