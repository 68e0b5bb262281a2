// Counters for the listener routes, on the origin's own registry: why requests were refused
// (authentication) and which budgets ran out (rate limits). Label values come from fixed sets.

import { Counter } from 'prom-client';
import type { OriginMetrics } from './metrics.ts';

export interface ListenerMetrics {
  authRefused(status: number, error: string): void;
  rateLimited(action: string, scope: string): void;
}

export function createListenerMetrics(metrics: Pick<OriginMetrics, 'registry'>): ListenerMetrics {
  const refusals = new Counter({
    name: 'cadence_auth_refusals_total',
    help: 'Requests refused by access-token checks, by status (401/403) and reason',
    labelNames: ['status', 'error'] as const,
    registers: [metrics.registry],
  });
  const limited = new Counter({
    name: 'cadence_rate_limited_total',
    help: 'Requests answered 429, by action (grant, search, positions) and budget (listener, address)',
    labelNames: ['action', 'scope'] as const,
    registers: [metrics.registry],
  });
  return {
    authRefused: (status, error) => refusals.inc({ status: String(status), error }),
    rateLimited: (action, scope) => limited.inc({ action, scope }),
  };
}
