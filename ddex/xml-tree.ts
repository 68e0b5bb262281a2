// XML text → a small element tree that knows where each element is. fast-xml-parser does the
// parsing (well-formedness checked first); entity processing is off in it, and this module decodes
// only what XML itself predefines (`&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and character
// references), so no entity can grow the text. Elements are matched by local name: ERN senders
// use any prefix (or none) for the ERN namespace.

import { XMLParser } from 'fast-xml-parser';
import type { DdexProblem } from './types.ts';

export interface XmlElement {
  /** Local name, prefix removed. */
  name: string;
  /** `/NewReleaseMessage/ResourceList/SoundRecording[3]`: the index is given when siblings share the name. */
  path: string;
  /** Attributes by their name as written (`xmlns:ern`, `IsMainRelease`, `xsi:schemaLocation`). */
  attrs: Record<string, string>;
  /** The element's own text, trimmed (child elements' text not included). */
  text: string;
  children: XmlElement[];
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** The parser's own nesting fence, behind the guard's (`ReadErnOptions.maxDepth` is capped to it). */
export const PARSER_MAX_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Text is trimmed per element (buildChildren), not per text node: `Rock <![CDATA[&]]> Roll` keeps its spaces.
  trimValues: false,
  cdataPropName: '#cdata',
  // The guard already refused deeper messages; this is a second fence.
  maxNestedTags: PARSER_MAX_DEPTH,
});

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes predefined entities and character references; anything else is reported and kept as written. */
function decodeText(raw: string, path: string, problems: DdexProblem[]): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) return String.fromCodePoint(code);
      problems.push({ code: 'MALFORMED', severity: 'error', path, message: `${whole} is not a valid character reference` });
      return whole;
    }
    const known = PREDEFINED[ref];
    if (known !== undefined) return known;
    problems.push({ code: 'ENTITY', severity: 'error', path, message: `${whole}: only the entities XML predefines are allowed (no DTD is read)` });
    return whole;
  });
}

function buildChildren(nodes: OrderedNode[], parentPath: string, problems: DdexProblem[]): { text: string; children: XmlElement[] } {
  const elements: Array<{ qualified: string; node: OrderedNode }> = [];
  let text = '';
  for (const node of nodes) {
    if ('#text' in node) text += decodeText(String(node['#text']), parentPath, problems);
    else if ('#cdata' in node) text += ((node['#cdata'] as OrderedNode[]) ?? []).map((part) => String(part['#text'] ?? '')).join('');
    else {
      const qualified = Object.keys(node).find((key) => key !== ':@');
      if (qualified !== undefined) elements.push({ qualified, node });
    }
  }
  const totals = new Map<string, number>();
  for (const { qualified } of elements) totals.set(localName(qualified), (totals.get(localName(qualified)) ?? 0) + 1);
  const seen = new Map<string, number>();
  const children = elements.map(({ qualified, node }) => {
    const name = localName(qualified);
    const index = (seen.get(name) ?? 0) + 1;
    seen.set(name, index);
    const path = `${parentPath}/${name}${(totals.get(name) ?? 0) > 1 ? `[${index}]` : ''}`;
    return buildElement(name, path, node, qualified, problems);
  });
  return { text: text.trim(), children };
}

function buildElement(name: string, path: string, node: OrderedNode, qualified: string, problems: DdexProblem[]): XmlElement {
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(node[':@'] ?? {})) attrs[key] = decodeText(String(value), `${path}/@${key}`, problems);
  const { text, children } = buildChildren((node[qualified] as OrderedNode[]) ?? [], path, problems);
  return { name, path, attrs, text, children };
}

/** Parses checked text (see xml-guard.ts) into the root element, or problems. */
export function parseXmlTree(text: string): { root: XmlElement | null; problems: DdexProblem[] } {
  const problems: DdexProblem[] = [];
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text, true) as OrderedNode[];
  } catch (error) {
    const message = (error as Error).message.replace(/:(\d+):(\d+)$/, ' (line $1, column $2)');
    return { root: null, problems: [{ code: 'MALFORMED', severity: 'error', path: '/', message: `not well-formed XML: ${message}` }] };
  }
  const roots = nodes.filter((node) => !('#text' in node) && !('#cdata' in node));
  const first = roots[0];
  const qualified = first && Object.keys(first).find((key) => key !== ':@');
  if (!first || !qualified || roots.length > 1) {
    return { root: null, problems: [{ code: 'MALFORMED', severity: 'error', path: '/', message: 'an XML message has exactly one root element' }] };
  }
  const name = localName(qualified);
  const root = buildElement(name, `/${name}`, first, qualified, problems);
  return { root, problems };
}

// Lookups by local name.

export function child(element: XmlElement | null | undefined, name: string): XmlElement | null {
  return element?.children.find((c) => c.name === name) ?? null;
}

export function childrenNamed(element: XmlElement | null | undefined, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === name) : [];
}

/** Text of the first descendant along `names` (`textAt(sr, 'SoundRecordingId', 'ISRC')`), or null when absent or empty. */
export function textAt(element: XmlElement | null | undefined, ...names: string[]): string | null {
  const found = at(element, ...names);
  return found && found.text !== '' ? found.text : null;
}

export function at(element: XmlElement | null | undefined, ...names: string[]): XmlElement | null {
  let current: XmlElement | null = element ?? null;
  for (const name of names) current = child(current, name);
  return current;
}

/** Every descendant named `name`, depth first, not descending into a match. */
export function descendantsNamed(element: XmlElement, name: string, found: XmlElement[] = []): XmlElement[] {
  for (const c of element.children) {
    if (c.name === name) found.push(c);
    else descendantsNamed(c, name, found);
  }
  return found;
}
