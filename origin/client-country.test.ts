import { describe, expect, it } from 'vitest';
import { isCadenceError } from '../errors/cadence-error.ts';
import { listenerCountry, trustedProxies } from './client-country.ts';

describe('trusted proxies', () => {
  const trusted = trustedProxies(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);

  it('matches single addresses, CIDR blocks and IPv4-mapped IPv6 peers', () => {
    expect(trusted.trusts('127.0.0.1')).toBe(true);
    expect(trusted.trusts('::ffff:127.0.0.1')).toBe(true);
    expect(trusted.trusts('10.200.3.4')).toBe(true);
    expect(trusted.trusts('2001:db8:1::5')).toBe(true);
    expect(trusted.trusts('127.0.0.2')).toBe(false);
    expect(trusted.trusts('11.0.0.1')).toBe(false);
    expect(trusted.trusts('::1')).toBe(false);
    expect(trusted.trusts(undefined)).toBe(false);
    expect(trustedProxies([]).trusts('127.0.0.1')).toBe(false);
  });

  it('names a wrong entry', () => {
    for (const entry of ['10.0.0.0/33', 'cdn.example.com', '10.0.0.0/8/1', '10.0.0.0/x', '']) {
      try {
        trustedProxies([entry]);
        expect.unreachable(entry);
      } catch (error) {
        expect(isCadenceError(error) && error.code).toBe('BAD_INPUT');
        expect((error as Error).message).toBe(`CADENCE_TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an IP address or CIDR block`);
      }
    }
  });
});

describe('listenerCountry', () => {
  const trusted = trustedProxies(['10.0.0.0/8']);
  it('believes the CDN header only from a trusted address; the token country wins over both', () => {
    expect(listenerCountry({ header: 'gb', remoteAddress: '10.1.1.1', trusted, defaultCountry: null })).toBe('GB');
    expect(listenerCountry({ header: 'GB', remoteAddress: '192.0.2.7', trusted, defaultCountry: null })).toBeNull();
    expect(listenerCountry({ header: 'GB', remoteAddress: '192.0.2.7', trusted, defaultCountry: 'SE' })).toBe('SE');
    expect(listenerCountry({ tokenCountry: 'NO', header: 'GB', remoteAddress: '10.1.1.1', trusted, defaultCountry: null })).toBe('NO');
    expect(listenerCountry({ tokenCountry: null, header: 'not a country', remoteAddress: '10.1.1.1', trusted, defaultCountry: null })).toBeNull();
  });
});
