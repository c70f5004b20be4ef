// Worker threads do not inherit the TypeScript loader the CLI and the tests run under: register it,
// then run the import's thread (import-thread.ts).
import { register } from 'tsx/esm/api';

register();
await import('./import-thread.ts');
