// Field readers shared by resources and releases, written once for both ERN families: ERN 3 keeps
// most facts in `…DetailsByTerritory` blocks, ERN 4 directly on the element (with an optional
// ApplicableTerritoryCode); ERN 4 names parties by reference into the PartyList.

import type { ArtistCredit, PLine } from './types.ts';
import { child, childrenNamed, textAt, type XmlElement } from './xml-tree.ts';

export interface PartyNames {
  /** PartyReference → name (ERN 4 PartyList). */
  get(reference: string): string | undefined;
}

/** The element plus its worldwide (or else first) `…DetailsByTerritory` block. */
export interface Scoped {
  element: XmlElement;
  details: XmlElement | null;
}

function isWorldwide(element: XmlElement): boolean {
  const territory = element.attrs.ApplicableTerritoryCode ?? textAt(element, 'TerritoryCode');
  return territory === undefined || territory === null || territory === 'Worldwide';
}

/** Among same-named alternatives: the default one, else the worldwide one, else the first. */
export function preferred(elements: XmlElement[]): XmlElement | null {
  return elements.find((e) => e.attrs.IsDefault === 'true') ?? elements.find(isWorldwide) ?? elements[0] ?? null;
}

export function scoped(element: XmlElement, detailsName: string): Scoped {
  return { element, details: preferred(childrenNamed(element, detailsName)) };
}

/** Children named `name` on the element, else in its details block. */
export function scopedAll({ element, details }: Scoped, name: string): XmlElement[] {
  const own = childrenNamed(element, name);
  return own.length > 0 ? own : childrenNamed(details, name);
}

export function scopedOne(scope: Scoped, name: string): XmlElement | null {
  return preferred(scopedAll(scope, name));
}

export function scopedText(scope: Scoped, name: string): string | null {
  const found = scopedOne(scope, name);
  return found && found.text !== '' ? found.text : null;
}

/** Title: ERN 4 DisplayTitleText / DisplayTitle, ERN 3 Title[@TitleType=DisplayTitle], then ReferenceTitle. */
export function readTitle(scope: Scoped): { title: string | null; subtitle: string | null } {
  const displayTitle = scopedOne(scope, 'DisplayTitle');
  const titles = scopedAll(scope, 'Title');
  const typedTitle =
    titles.find((t) => t.attrs.TitleType === 'DisplayTitle') ??
    titles.find((t) => t.attrs.TitleType === 'FormalTitle') ??
    titles.find((t) => t.attrs.TitleType === undefined);
  const reference = child(scope.element, 'ReferenceTitle');
  const title =
    scopedText(scope, 'DisplayTitleText') ??
    textAt(displayTitle, 'TitleText') ??
    textAt(typedTitle, 'TitleText') ??
    textAt(reference, 'TitleText');
  const subtitle = textAt(displayTitle, 'SubTitle') ?? textAt(typedTitle, 'SubTitle') ?? textAt(reference, 'SubTitle');
  return { title, subtitle };
}

/** Roles that credit a work or its making, not a performance. */
const WRITER_ROLES: ReadonlySet<string> = new Set(['Composer', 'Lyricist', 'ComposerLyricist', 'Librettist', 'Writer', 'Author', 'Arranger', 'Producer']);

function roleOf(element: XmlElement): string {
  // `UserDefined` roles carry their name in an attribute.
  return element.text === 'UserDefined' ? (element.attrs.UserDefinedValue ?? element.text) : element.text;
}

function sequence(element: XmlElement): number {
  const n = Number(element.attrs.SequenceNumber ?? textAt(element, 'SequenceNumber') ?? Number.NaN);
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

export interface ArtistReadProblem {
  path: string;
  reference: string;
}

/** A party's name: ERN 3 inline PartyName, ERN 4 a reference into the PartyList. */
function partyName(element: XmlElement, referenceElement: string, parties: PartyNames, unknown: ArtistReadProblem[]): string | null {
  const inline = textAt(element, 'PartyName', 'FullName') ?? textAt(element, 'PartyName');
  if (inline) return inline;
  const reference = child(element, referenceElement);
  if (!reference || reference.text === '') return null;
  const name = parties.get(reference.text);
  if (name === undefined) unknown.push({ path: reference.path, reference: reference.text });
  return name ?? null;
}

/** Display artists in sequence order, and every credit with its role. */
export function readArtists(scope: Scoped, parties: PartyNames): { artists: string[]; roles: ArtistCredit[]; unknown: ArtistReadProblem[] } {
  const unknown: ArtistReadProblem[] = [];
  const roles: ArtistCredit[] = [];
  const displayed = scopedAll(scope, 'DisplayArtist')
    .map((element, order) => ({ element, order }))
    .sort((a, b) => sequence(a.element) - sequence(b.element) || a.order - b.order);
  const credited: Array<{ name: string; roles: string[] }> = [];
  for (const { element } of displayed) {
    const name = partyName(element, 'ArtistPartyReference', parties, unknown);
    if (!name) continue;
    const roleElements = [...childrenNamed(element, 'ArtistRole'), ...childrenNamed(element, 'DisplayArtistRole')];
    const named = roleElements.length > 0 ? roleElements.map(roleOf) : ['MainArtist'];
    for (const role of named) roles.push({ name, role });
    credited.push({ name, roles: named });
  }
  // ERN 3 senders list composers and lyricists as DisplayArtists too; they are credits, not the
  // artist a listener sees, unless nobody else is named.
  const performers = credited.filter((c) => c.roles.some((role) => !WRITER_ROLES.has(role)));
  const artists: string[] = [];
  for (const { name } of performers.length > 0 ? performers : credited) if (!artists.includes(name)) artists.push(name);
  if (artists.length === 0) {
    const displayName = scopedText(scope, 'DisplayArtistName');
    if (displayName) {
      artists.push(displayName);
      roles.push({ name: displayName, role: 'MainArtist' });
    }
  }
  const contributors: Array<[string, string, string]> = [
    ['Contributor', 'ContributorPartyReference', 'Role'],
    ['ResourceContributor', 'ContributorPartyReference', 'ResourceContributorRole'],
    ['IndirectResourceContributor', 'ContributorPartyReference', 'IndirectResourceContributorRole'],
  ];
  for (const [elementName, referenceName, roleName] of contributors) {
    for (const element of scopedAll(scope, elementName)) {
      const name = partyName(element, referenceName, parties, unknown);
      if (!name) continue;
      for (const role of childrenNamed(element, roleName)) roles.push({ name, role: roleOf(role) });
    }
  }
  return { artists, roles, unknown };
}

export function readPLine(scope: Scoped): PLine | null {
  const line = scopedOne(scope, 'PLine');
  const text = textAt(line, 'PLineText');
  if (!line || !text) return null;
  const year = Number(textAt(line, 'Year'));
  return { year: Number.isInteger(year) && year > 0 ? year : null, text };
}

export function readCLine(scope: Scoped): string | null {
  return textAt(scopedOne(scope, 'CLine'), 'CLineText');
}

export function readGenre(scope: Scoped): string | null {
  return textAt(scopedOne(scope, 'Genre'), 'GenreText');
}

/**
 * ParentalWarningType `Explicit` (not `ExplicitContentEdited`, `NotExplicit`, `NoAdviceAvailable`,
 * `Unknown`). Territory by territory (ERN 4 ApplicableTerritoryCode) the rule is the details
 * blocks' one: the worldwide warnings, else the first territory's.
 */
export function readExplicit(scope: Scoped): boolean {
  const warnings = scopedAll(scope, 'ParentalWarningType');
  const worldwide = warnings.filter(isWorldwide);
  const first = warnings[0]?.attrs.ApplicableTerritoryCode;
  const applicable = worldwide.length > 0 ? worldwide : warnings.filter((w) => w.attrs.ApplicableTerritoryCode === first);
  return applicable.some((warning) => warning.text === 'Explicit');
}
