import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The browser tests need the page; building it here means they always test the current sources.
 * A child process, because Vitest sets NODE_ENV=test and the page must be the production build.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
  });
}
