// The listener's country for rights decisions. A CDN's geolocation header is believed only when
// the request came straight from one of the configured CDN (or load balancer) addresses: any
// client can send `CloudFront-Viewer-Country: GB`. A verified token's country wins over both.

import { BlockList, isIP } from 'node:net';
import { CadenceError } from '../errors/cadence-error.ts';
import { normaliseCountry } from './playback.ts';

/** Addresses whose country header is trusted; built once from the configuration. */
export interface TrustedProxies {
  trusts(remoteAddress: string | undefined): boolean;
}

/**
 * `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`: single addresses or CIDR blocks. A wrong entry is
 * a BAD_INPUT error naming it (configuration is checked when the origin starts).
 */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefixText, ...rest] = entry.trim().split('/');
    const family = isIP(address);
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    if (family === 0 || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32) || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
      throw new CadenceError('BAD_INPUT', `CADENCE_TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an IP address or CIDR block`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return {
    trusts(remoteAddress) {
      if (!remoteAddress || entries.length === 0) return false;
      // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress)?.[1];
      const address = mapped ?? remoteAddress;
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

export interface CountrySources {
  /** From the listener's verified access token, when it carries one. */
  tokenCountry?: string | null;
  /** The CDN header's value as received. */
  header: string | undefined | null;
  /** The TCP peer: the CDN's address when the request came through it. */
  remoteAddress: string | undefined;
  trusted: TrustedProxies;
  /** For development without a CDN; null = unknown. */
  defaultCountry: string | null;
}

export function listenerCountry({ tokenCountry, header, remoteAddress, trusted, defaultCountry }: CountrySources): string | null {
  const fromToken = normaliseCountry(tokenCountry);
  if (fromToken) return fromToken;
  const fromCdn = trusted.trusts(remoteAddress) ? normaliseCountry(header) : null;
  return fromCdn ?? defaultCountry;
}
