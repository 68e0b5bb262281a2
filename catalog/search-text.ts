// Text handling for search, kept in step with the FTS5 `unicode61 remove_diacritics 2` tokenizer:
// case and diacritics folded, words split on anything that is not a letter or a digit.

/** Words of `text` as the index sees them: `Beyoncé — Crazy in Love` → beyonce, crazy, in, love. */
export function searchTokens(text: string): string[] {
  // Plain ASCII (most names) needs no Unicode normalisation: a much cheaper path for ranking.
  if (isAscii(text)) return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Text that NFKD, case and diacritic folding leave as FTS5's unicode61 does: only ASCII. */
export function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

/** Typos are only corrected in words this long; shorter ones have too many neighbours. */
export const MIN_CORRECTED_LENGTH = 4;
/** From this length a word may be two edits away from what was meant. */
export const TWO_EDITS_FROM_LENGTH = 8;

export function maxEdits(word: string): number {
  if (word.length < MIN_CORRECTED_LENGTH) return 0;
  return word.length >= TWO_EDITS_FROM_LENGTH ? 2 : 1;
}

/**
 * Every string reachable by deleting up to `depth` characters (the word itself included). Two
 * words within edit distance d share a deletion variant (symmetric delete, as in SymSpell), so
 * looking variants up in an index finds correction candidates without scanning the vocabulary.
 */
export function deletionVariants(word: string, depth: number): Set<string> {
  const variants = new Set([word]);
  let frontier = [word];
  for (let level = 0; level < depth; level++) {
    const next: string[] = [];
    for (const item of frontier) {
      for (let i = 0; i < item.length; i++) {
        const variant = item.slice(0, i) + item.slice(i + 1);
        if (variant.length > 0 && !variants.has(variant)) {
          variants.add(variant);
          next.push(variant);
        }
      }
    }
    frontier = next;
  }
  return variants;
}

/** Optimal-string-alignment distance (adjacent transpositions count as one edit), capped at `max + 1`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    let rowMin = Infinity;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
  }
  return Math.min(d[a.length]![b.length]!, max + 1);
}

/** What packFields joins words, artists and fields with: none of them can occur in a word. */
export const PACKED = { word: ' ', artist: '\n', field: '\t' } as const;

const SPACE = PACKED.word.charCodeAt(0);
const NEWLINE = PACKED.artist.charCodeAt(0);
const TAB = PACKED.field.charCodeAt(0);

/** Whether a character code of packed fields separates words (and so never occurs in one). */
export const isPackedSeparator = (code: number): boolean => code === SPACE || code === TAB || code === NEWLINE;

/**
 * The distinct words of packed fields (a word may appear in several fields). Runs on every track
 * when serve loads its word lists: scanning the codes is ~25% faster than a regular-expression split.
 */
export function packedWords(packed: string): string[] {
  const words: string[] = [];
  let start = 0;
  for (let i = 0; i <= packed.length; i++) {
    if (i < packed.length && !isPackedSeparator(packed.charCodeAt(i))) continue;
    if (i > start) {
      const word = packed.slice(start, i);
      if (!words.includes(word)) words.push(word);
    }
    start = i + 1;
  }
  return words;
}

// A track's fields as search ranks them (title, artists, album, genre), folded into words once
// when the track is indexed. FTS5 holds the same text (migration 7): unicode61 folds only case and
// diacritics, so given the raw text it would keep `봄날` as syllables and `ﬁ`, `ＦＵＬＬ` as they are.
export function packFields(document: { title: string; artists: readonly string[]; album: string; genre: string | null }): string {
  const words = (text: string): string => searchTokens(text).join(PACKED.word);
  const artists = document.artists.map(words).join(PACKED.artist);
  return [words(document.title), artists, words(document.album), words(document.genre ?? '')].join(PACKED.field);
}
