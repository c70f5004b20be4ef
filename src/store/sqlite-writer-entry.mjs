// Worker threads do not inherit the TypeScript loader the CLI and the tests run under: register it,
// then run the writer (sqlite-writer.ts).
import { register } from 'tsx/esm/api';

register();
await import('./sqlite-writer.ts');
