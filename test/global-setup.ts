import { build } from 'vite';

/** The browser tests need the page; building it here means they always test the current sources. */
export default async function setup(): Promise<void> {
  await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
}
