// Which tracks carry each word, in memory for a long-running server: one ascending list of rowids
// per word, built from the packed fields search-docs.ts keeps and kept in step with them.
// Intersecting sorted lists by leaping ahead in each (galloping) costs about the rarest list's
// length times a small log; FTS5 steps through every entry of every doclist in an AND, which at a
// million tracks is 2–5 ms for three common words (`concrete is heart`).

import { packedWords } from './search-text.ts';

export interface Postings {
  /** Puts `rowid` into the list of every word of `packed` (search-text.ts packFields). */
  add(rowid: number, packed: string): void;
  /** Takes `rowid` out of the list of every word of `packed`. */
  remove(rowid: number, packed: string): void;
  /** Rowids carrying `term`, ascending; empty when none does. */
  list(term: string): Int32Array;
  /** Gives back the room the lists grew into (they double), once a bulk load is done. */
  trim(): void;
}

interface RowidList {
  ids: Int32Array;
  length: number;
}

const EMPTY = new Int32Array(0);
/** First index at or after `from` whose rowid is ≥ `target` (`length` when none): leaps, then bisects. */
function seekIn(ids: Int32Array, length: number, from: number, target: number): number {
  if (from >= length || ids[from]! >= target) return from;
  // ids[low] < target throughout; the gap doubles until ids[high] ≥ target or the end.
  let low = from;
  let step = 1;
  let high = from + 1;
  while (high < length && ids[high]! < target) {
    low = high;
    step *= 2;
    high = from + step;
  }
  if (high > length) high = length;
  while (low + 1 < high) {
    const middle = (low + high) >>> 1;
    if (ids[middle]! < target) low = middle;
    else high = middle;
  }
  return high;
}

export function createPostings(): Postings {
  const lists = new Map<string, RowidList>();
  return {
    add(rowid, packed) {
      for (const word of packedWords(packed)) {
        let list = lists.get(word);
        if (!list) lists.set(word, (list = { ids: new Int32Array(4), length: 0 }));
        // Loading and new tracks append; only a re-published older track lands mid-list.
        const at = list.length > 0 && list.ids[list.length - 1]! < rowid ? list.length : seekIn(list.ids, list.length, 0, rowid);
        if (at < list.length && list.ids[at] === rowid) continue;
        if (list.length === list.ids.length) {
          const grown = new Int32Array(Math.max(4, list.ids.length * 2));
          grown.set(list.ids);
          list.ids = grown;
        }
        list.ids.copyWithin(at + 1, at, list.length);
        list.ids[at] = rowid;
        list.length++;
      }
    },
    remove(rowid, packed) {
      for (const word of packedWords(packed)) {
        const list = lists.get(word);
        if (!list) continue;
        const at = seekIn(list.ids, list.length, 0, rowid);
        if (at === list.length || list.ids[at] !== rowid) continue;
        list.ids.copyWithin(at, at + 1, list.length);
        list.length--;
      }
    },
    trim() {
      for (const list of lists.values()) if (list.ids.length > list.length) list.ids = list.ids.slice(0, list.length);
    },
    list(term) {
      const list = lists.get(term);
      return list ? list.ids.subarray(0, list.length) : EMPTY;
    },
  };
}

/** One query word's lists (the word, or its corrections or completions), read as their union. */
class UnionCursor {
  readonly size: number;
  private readonly positions: Int32Array;
  constructor(private readonly lists: Int32Array[]) {
    this.positions = new Int32Array(lists.length);
    this.size = lists.reduce((sum, list) => sum + list.length, 0);
  }
  /** The smallest rowid ≥ `target` in any of the lists, or Infinity. Targets only grow. */
  seek(target: number): number {
    let smallest = Infinity;
    for (let i = 0; i < this.lists.length; i++) {
      const list = this.lists[i]!;
      const at = seekIn(list, list.length, this.positions[i]!, target);
      this.positions[i] = at;
      if (at < list.length && list[at]! < smallest) smallest = list[at]!;
    }
    return smallest;
  }
}

/**
 * Calls `visit` with each rowid found in every group (a group: the lists of one query word's
 * alternatives, any of which will do), ascending, until `visit` returns false. The smallest group
 * leads; the others leap to each rowid it proposes.
 */
export function forEachCommon(groups: Int32Array[][], visit: (rowid: number) => boolean): void {
  if (groups.length === 0) return;
  const cursors = groups.map((lists) => new UnionCursor(lists)).sort((a, b) => a.size - b.size);
  const leader = cursors[0]!;
  let candidate = leader.seek(0);
  search: while (candidate !== Infinity) {
    for (let i = 1; i < cursors.length; i++) {
      const found = cursors[i]!.seek(candidate);
      if (found !== candidate) {
        candidate = leader.seek(found);
        continue search;
      }
    }
    if (!visit(candidate)) return;
    candidate = leader.seek(candidate + 1);
  }
}
