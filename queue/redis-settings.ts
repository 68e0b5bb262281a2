// BullMQ keeps jobs as Redis keys: a Redis that evicts keys under memory pressure silently loses
// jobs, and one without an append-only file loses the last writes on a restart. Both are checked
// when a worker starts; a deployment sets `maxmemory-policy noeviction` and `appendonly yes`.

import type { Redis } from 'ioredis';

/** Problems with the Redis deployment, each a sentence for the operator; empty when fine. */
export async function redisSettingsWarnings(client: Redis): Promise<string[]> {
  const info = parseInfo(await client.info());
  const warnings: string[] = [];
  const policy = info.get('maxmemory_policy');
  if (policy !== undefined && policy !== 'noeviction') {
    warnings.push(`Redis maxmemory-policy is "${policy}": under memory pressure it will delete queued jobs. Set maxmemory-policy noeviction.`);
  }
  if (info.get('aof_enabled') === '0') {
    warnings.push('Redis has appendonly off: a restart loses the jobs written since its last snapshot. Set appendonly yes.');
  }
  return warnings;
}

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}
