// `CADENCE_QUEUE=redis[s]://[user:password@]host:port[/db]` → where Redis is. Checked strictly at the
// edge, so a typo is a clear error at start rather than a worker retrying a wrong host forever.

import { CadenceError } from '../errors/cadence-error.ts';
import type { RedisTarget } from './types.ts';

const USAGE = 'expected redis://host:port[/db] (rediss:// for TLS), e.g. redis://127.0.0.1:6379/0';

export function parseRedisUrl(value: string, variable = 'CADENCE_QUEUE'): RedisTarget {
  const bad = (why: string): CadenceError => new CadenceError('BAD_INPUT', `${variable}="${redact(value)}": ${why}; ${USAGE}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw bad(`unsupported scheme "${url.protocol}"`);
  if (!url.hostname) throw bad('no host');
  if (!url.port) throw bad('no port');
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${url.port} is out of range`);
  if (url.search || url.hash) throw bad('a queue URL takes no query or fragment');
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) throw bad(`"/${path}" is not a database number`);
  const db = path === '' ? 0 : Number(path);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    host,
    port,
    db,
    tls: url.protocol === 'rediss:',
    display: `${url.protocol}//${url.host}/${db}`,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

/** The URL with any password replaced, for error messages. */
function redact(value: string): string {
  return value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
