// Subscription tiers: which renditions each tier's grants list and its media tokens open.
// `CADENCE_TIERS=free:aac-96+aac-160,premium:aac-96+aac-160+aac-320,hifi:aac-96+aac-160+aac-320+flac`
// An unknown tier is refused, never widened: there is no fallback tier.

import { CadenceError } from '../errors/cadence-error.ts';
import type { RenditionId } from '../manifests/types.ts';
import type { TierTable } from './types.ts';

/** Ladder order; also the bit order of a rendition set in a media token (origin/signing.ts). */
export const RENDITION_IDS: readonly RenditionId[] = ['aac-96', 'aac-160', 'aac-320', 'flac'];

export const DEFAULT_TIERS_TEXT = 'free:aac-96+aac-160,premium:aac-96+aac-160+aac-320,hifi:aac-96+aac-160+aac-320+flac';

const TIER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

function isRenditionId(value: string): value is RenditionId {
  return (RENDITION_IDS as readonly string[]).includes(value);
}

/** Parses `tier:rendition+rendition,…`; every problem is named (BAD_INPUT). */
export function parseTiers(text: string): TierTable {
  const tiers = new Map<string, readonly RenditionId[]>();
  for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    const name = colon < 0 ? entry : entry.slice(0, colon);
    if (colon < 0 || !TIER_NAME.test(name)) throw new CadenceError('BAD_INPUT', `CADENCE_TIERS: ${JSON.stringify(entry)} must be name:rendition+rendition (name: 1-32 of a-z 0-9 _ -)`);
    if (tiers.has(name)) throw new CadenceError('BAD_INPUT', `CADENCE_TIERS: tier ${name} is listed twice`);
    const renditions = entry.slice(colon + 1).split('+').map((part) => part.trim()).filter(Boolean);
    if (renditions.length === 0) throw new CadenceError('BAD_INPUT', `CADENCE_TIERS: tier ${name} lists no renditions`);
    for (const rendition of renditions) {
      if (!isRenditionId(rendition)) throw new CadenceError('BAD_INPUT', `CADENCE_TIERS: tier ${name}: unknown rendition ${JSON.stringify(rendition)} (expected ${RENDITION_IDS.join(', ')})`);
    }
    // Kept in ladder order whatever order they were written in, so equal sets are equal lists.
    tiers.set(name, RENDITION_IDS.filter((id) => renditions.includes(id)));
  }
  if (tiers.size === 0) throw new CadenceError('BAD_INPUT', 'CADENCE_TIERS names no tier');
  return tiers;
}

export const DEFAULT_TIERS: TierTable = parseTiers(DEFAULT_TIERS_TEXT);
