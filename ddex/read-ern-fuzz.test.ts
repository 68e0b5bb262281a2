// Damaged messages never throw: every cut, deleted element and flipped byte gives an answer, and a
// refusal always names at least one problem.

import { describe, expect, it } from 'vitest';
import { ernMessage, sampleRelease } from '../fixtures/ddex-messages.ts';
import { seededRandom } from '../fixtures/seeded-random.ts';
import { readErnMessage } from './read-ern.ts';

describe.each(['3.8.2', '4.3'] as const)('damaged ERN %s messages', (family) => {
  const xml = ernMessage(sampleRelease({ family, tracks: 4, discs: 2 }));
  const bytes = Buffer.from(xml);
  const random = seededRandom(family === '4.3' ? 43 : 382);
  const pick = (n: number) => Math.floor(random() * n);

  const answered = (input: string | Buffer) => {
    const result = readErnMessage(input);
    if (!result.ok) expect(result.problems.filter((p) => p.severity === 'error').length).toBeGreaterThan(0);
    return result.ok;
  };

  it('cut short anywhere: refused', () => {
    for (let i = 0; i < 200; i += 1) expect(answered(bytes.subarray(0, pick(bytes.length)))).toBe(false);
  });

  it('an element removed anywhere: answered, never thrown', () => {
    const elements = [...xml.matchAll(/<([A-Za-z]+)[^>]*>[^<]*<\/\1>/g)];
    // Whatever else is optional, these can never go missing unnoticed.
    const required = new Set(['MessageId', 'MessageCreatedDateTime', 'ResourceReference', 'HashSumValue', 'HashSum', 'URI', 'FileName', 'DealReleaseReference']);
    for (let i = 0; i < 300; i += 1) {
      const match = elements[pick(elements.length)]!;
      const ok = answered(xml.slice(0, match.index) + xml.slice(match.index + match[0].length));
      if (required.has(match[1]!)) expect(ok, `without ${match[0]}`).toBe(false);
    }
    for (const match of elements.filter((m) => required.has(m[1]!))) {
      expect(answered(xml.slice(0, match.index) + xml.slice(match.index + match[0].length)), `without ${match[0]}`).toBe(false);
    }
  });

  it('bytes flipped anywhere: answered, never thrown', () => {
    for (let i = 0; i < 300; i += 1) {
      const damaged = Buffer.from(bytes);
      for (let j = 0; j < 3; j += 1) damaged[pick(damaged.length)] = pick(256);
      answered(damaged);
    }
  });
});
