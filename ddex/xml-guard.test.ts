// Hostile and broken input: refused before (or instead of) parsing, with a clear code. Timings and
// memory are measured in scripts/bench-ddex.ts, not asserted here.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billionLaughs, deepNesting, ernMessage, externalEntity, hugeMessage, sampleRelease } from '../fixtures/ddex-messages.ts';
import { readErnMessage } from './read-ern.ts';
import { decodeMessage, scanMarkup, sizeProblem } from './xml-guard.ts';

describe('hostile messages', () => {
  let server: Server;
  let requests = 0;
  let base = '';

  beforeAll(async () => {
    server = createServer((_, response) => {
      requests += 1;
      response.end('<!ENTITY x "pwned">');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses billion laughs at its DOCTYPE, expanding nothing', () => {
    const result = readErnMessage(billionLaughs());
    expect(result).toEqual({
      ok: false,
      message: null,
      problems: [expect.objectContaining({ code: 'DOCTYPE', path: '/', message: expect.stringContaining('line 2') })],
    });
    expect(JSON.stringify(result)).not.toContain('lollol');
  });

  it('refuses an external entity and never reads the file or fetches the URL', async () => {
    const withServer = externalEntity().replace('http://127.0.0.1:9/ern.dtd', `${base}/ern.dtd`);
    const inline = `<?xml version="1.0"?><!DOCTYPE r SYSTEM "${base}/r.dtd"><NewReleaseMessage xmlns="http://ddex.net/xml/ern/43"/>`;
    for (const xml of [withServer, inline]) {
      const result = readErnMessage(xml);
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([expect.objectContaining({ code: 'DOCTYPE' })]);
      expect(JSON.stringify(result)).not.toContain('root:');
    }
    // Give any stray request time to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(requests).toBe(0);
  });

  it('refuses a DOCTYPE even without entities, and an ENTITY outside one', () => {
    const plain = readErnMessage('<?xml version="1.0"?><!DOCTYPE NewReleaseMessage><NewReleaseMessage/>');
    expect(plain.problems).toEqual([expect.objectContaining({ code: 'DOCTYPE', message: expect.stringContaining('<!DOCTYPE>') })]);
    const stray = readErnMessage('<NewReleaseMessage><!ENTITY a "b"></NewReleaseMessage>');
    expect(stray.problems).toEqual([expect.objectContaining({ code: 'DOCTYPE', message: expect.stringContaining('<!ENTITY>') })]);
  });

  it('accepts the declaration text inside comments and CDATA', () => {
    const xml = ernMessage(sampleRelease({ family: '4.3', tracks: 1 })).replace('<MessageHeader>', '<!-- <!DOCTYPE x> --><MessageHeader>');
    expect(readErnMessage(xml).ok).toBe(true);
  });

  it('refuses deep nesting, at the line where it goes too deep', () => {
    const result = readErnMessage(deepNesting(100_000));
    expect(result.problems).toEqual([expect.objectContaining({ code: 'TOO_DEEP', message: expect.stringContaining('more than 40 deep') })]);
    expect(readErnMessage(deepNesting(30)).problems).not.toContainEqual(expect.objectContaining({ code: 'TOO_DEEP' }));
    expect(readErnMessage(deepNesting(30), { maxDepth: 20 }).problems).toEqual([expect.objectContaining({ code: 'TOO_DEEP' })]);
    // A cap raised past the parser's own fence is clamped: still TOO_DEEP, never a parser crash.
    expect(readErnMessage(deepNesting(70), { maxDepth: 1000 }).problems).toEqual([expect.objectContaining({ code: 'TOO_DEEP', message: expect.stringContaining('more than 64 deep') })]);
  });

  it('does not count a > inside an attribute value as the end of a tag', () => {
    const problem = scanMarkup('<a b="x>y"><c d=\'>\'><e/></c></a>', { maxDepth: 2, maxElements: 10 });
    expect(problem).toBeNull();
    expect(scanMarkup('<a b="x>y"><c d=\'>\'><e></e></c></a>', { maxDepth: 2, maxElements: 10 })).toMatchObject({ code: 'TOO_DEEP' });
  });

  it('refuses too many elements', () => {
    const xml = ernMessage(sampleRelease({ family: '4.3', tracks: 12 }));
    expect(readErnMessage(xml, { maxElements: 100 }).problems).toEqual([expect.objectContaining({ code: 'TOO_LARGE', message: 'more than 100 elements' })]);
  });

  it('refuses a 200 MB message by its size, before decoding', () => {
    const bytes = hugeMessage(200 * 1024 * 1024);
    expect(bytes.byteLength).toBe(200 * 1024 * 1024);
    // It is a real message: under a cap that admits it, it would be read.
    expect(bytes.subarray(0, 60).toString()).toContain('<?xml');
    expect(readErnMessage(bytes).problems).toEqual([
      expect.objectContaining({ code: 'TOO_LARGE', message: `the message is ${200 * 1024 * 1024} bytes, over the ${16 * 1024 * 1024}-byte limit` }),
    ]);
    // A caller that knows the size refuses without reading at all.
    expect(sizeProblem(bytes.byteLength)).toMatchObject({ code: 'TOO_LARGE' });
  });

  it('a padded message under a cap that admits it is read as the release it is', () => {
    const bytes = hugeMessage(2 * 1024 * 1024);
    const result = readErnMessage(bytes, { maxBytes: 4 * 1024 * 1024 });
    // Padding repeats one sound recording's reference: every copy is reported as a duplicate, nothing is lost.
    expect(result.ok).toBe(false);
    expect(new Set(result.problems.map((p) => p.code))).toEqual(new Set(['DUPLICATE']));
    // …and the report stays bounded however many there are.
    expect(result.problems).toHaveLength(1001);
    expect(result.problems.at(-1)!.message).toMatch(/^\d+ more problem\(s\) not listed$/);
  });
});

describe('encodings and well-formedness', () => {
  it('refuses bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0"?><a>'), Buffer.from([0xc3, 0x28]), Buffer.from('</a>')]);
    expect(decodeMessage(bytes)).toEqual({ problem: expect.objectContaining({ code: 'ENCODING', message: 'the bytes are not valid UTF-8' }) });
  });

  it('refuses a declared encoding other than UTF-8 / UTF-16, and a declaration that lies', () => {
    expect(decodeMessage(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'))).toEqual({
      problem: expect.objectContaining({ code: 'ENCODING', message: expect.stringContaining('iso-8859-1') }),
    });
    expect(decodeMessage(Buffer.from('<?xml version="1.0" encoding="UTF-16"?><a/>'))).toEqual({
      problem: expect.objectContaining({ code: 'ENCODING', message: 'the declaration says UTF-16 but the bytes are UTF-8' }),
    });
  });

  it('reports malformed XML with its line', () => {
    const result = readErnMessage('<?xml version="1.0"?>\n<NewReleaseMessage>\n<MessageHeader>\n</NewReleaseMessage>');
    expect(result.problems).toEqual([expect.objectContaining({ code: 'MALFORMED', message: expect.stringMatching(/line \d+/) })]);
  });

  it('reports an undefined entity reference where it is', () => {
    const xml = ernMessage(sampleRelease({ family: '4.3', tracks: 1 })).replace('<DisplayTitleText>Movement 1<', '<DisplayTitleText>Movement &lol9;<');
    const result = readErnMessage(xml);
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(
      expect.objectContaining({ code: 'ENTITY', path: '/NewReleaseMessage/ResourceList/SoundRecording/DisplayTitleText', message: expect.stringContaining('&lol9;') }),
    );
  });

  it('refuses an unclosed comment', () => {
    expect(readErnMessage('<a><!-- never closed').problems).toEqual([expect.objectContaining({ code: 'MALFORMED' })]);
  });
});
