// DealList → the DealTerms of each release reference. ERN 3 puts UseType under Usage, ERN 4
// directly in DealTerms; both are read. A ValidityPeriod EndDate is the last day of the deal, so
// the track stops at 00:00 UTC the day after.

import { WORLDWIDE } from '../pipeline/territories.ts';
import type { DealTerms } from './deal-rights.ts';
import type { ProblemList } from './problems.ts';
import { parseBoolean, parseDate, parseDateTime, parseTerritory } from './values.ts';
import { child, childrenNamed, descendantsNamed, type XmlElement } from './xml-tree.ts';

function nextDay(date: string): string {
  const day = new Date(`${date}T00:00:00.000Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString();
}

function readInstant(period: XmlElement | null, edge: 'Start' | 'End', problems: ProblemList): string | null {
  const dateTime = child(period, `${edge}DateTime`);
  if (dateTime && dateTime.text !== '') return problems.take(parseDateTime(dateTime.text), 'BAD_DATE', dateTime.path);
  const date = child(period, `${edge}Date`);
  if (!date || date.text === '') return null;
  const parsed = problems.take(parseDate(date.text), 'BAD_DATE', date.path);
  if (!parsed) return null;
  return edge === 'Start' ? `${parsed.date}T00:00:00.000Z` : nextDay(parsed.date);
}

function readTerritories(terms: XmlElement, name: string, problems: ProblemList): string[] {
  const codes: string[] = [];
  for (const element of childrenNamed(terms, name)) {
    const code = problems.take(parseTerritory(element.text), 'BAD_TERRITORY', element.path);
    if (code && !codes.includes(code)) codes.push(code);
  }
  return codes;
}

function readTerms(terms: XmlElement, problems: ProblemList): DealTerms {
  const excludedTerritories = readTerritories(terms, 'ExcludedTerritoryCode', problems);
  let territories = readTerritories(terms, 'TerritoryCode', problems);
  // ERN writes "everywhere but these" as ExcludedTerritoryCode alone, instead of TerritoryCode.
  if (territories.length === 0 && excludedTerritories.length > 0) territories = [WORLDWIDE];
  if (territories.length === 0) problems.error('MISSING', `${terms.path}/TerritoryCode`, 'the deal names no territory (TerritoryCode or ExcludedTerritoryCode)');
  const period = childrenNamed(terms, 'ValidityPeriod')[0] ?? null;
  const startsAt = readInstant(period, 'Start', problems);
  const endsAt = readInstant(period, 'End', problems);
  if (startsAt && endsAt && endsAt <= startsAt) {
    problems.error('BAD_DATE', period!.path, 'the validity period ends before it starts');
  }
  const takedownElement = child(terms, 'TakeDown');
  const takedown = takedownElement ? parseBoolean(takedownElement.text) : false;
  if (takedown === null) problems.error('MISSING', takedownElement!.path, `TakeDown must be true or false, not ${JSON.stringify(takedownElement!.text)}`);
  if (takedown === true && excludedTerritories.length > 0) {
    // The rights model withdraws a release everywhere or in named countries, not "everywhere but".
    problems.warn('APPROXIMATED', terms.path, `a TakeDown for every territory but ${excludedTerritories.join(', ')} takes the release down everywhere`);
  }
  return {
    path: terms.path,
    territories,
    excludedTerritories,
    startsAt,
    endsAt,
    commercialModels: childrenNamed(terms, 'CommercialModelType').map((e) => (e.text === 'UserDefined' ? (e.attrs.UserDefinedValue ?? e.text) : e.text)),
    useTypes: descendantsNamed(terms, 'UseType').map((e) => e.text),
    takedown: takedown === true,
  };
}

/** ReleaseReference → its deals; unknown references are problems. */
export function readDeals(dealList: XmlElement | null, knownReleases: ReadonlySet<string>, problems: ProblemList): Map<string, DealTerms[]> {
  const byRelease = new Map<string, DealTerms[]>();
  for (const releaseDeal of childrenNamed(dealList, 'ReleaseDeal')) {
    const references = childrenNamed(releaseDeal, 'DealReleaseReference');
    if (references.length === 0) problems.error('MISSING', `${releaseDeal.path}/DealReleaseReference`, 'the deal names no release');
    const terms = childrenNamed(releaseDeal, 'Deal').flatMap((deal) => childrenNamed(deal, 'DealTerms')).map((t) => readTerms(t, problems));
    for (const reference of references) {
      if (!knownReleases.has(reference.text)) {
        problems.error('UNKNOWN_REFERENCE', reference.path, `no release ${reference.text} in the ReleaseList`);
        continue;
      }
      byRelease.set(reference.text, [...(byRelease.get(reference.text) ?? []), ...terms]);
    }
  }
  return byRelease;
}
