// Builds a large synthetic catalog for the search benchmark, straight into SQLite through
// `openCatalog` + `publishMany` (the same path as reindex), in batches so memory stays flat.
// Names follow what real catalogs look like: artist popularity is Zipf-like (a few artists own
// many releases), names come from first/last-name lists and band-name patterns with diacritics
// now and then, titles draw common words ("love", "the", "night") far more often than rare ones,
// some tracks feature a second artist. Everything derives from one seed, so two builds are equal.
//
//   node --import tsx scripts/build-search-catalog.ts [--tracks 1000000] [--out data/search-bench/catalog.db]
//       [--seed 42] [--batch 5000] [--renditions 1|4] [--force]
//
// ISRCs are `QZSYN` + the track's index (7 digits), so scripts/bench-search.ts can find tracks.

import { createHash } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openCatalog } from '../catalog/open-catalog.ts';
import { mergeSearchIndex } from '../catalog/search-index.ts';
import type { PublishInput } from '../catalog/types.ts';
import { syntheticRenditions } from '../fixtures/renditions.ts';
import { seededRandom } from '../fixtures/seeded-random.ts';

const { values } = parseArgs({
  options: {
    tracks: { type: 'string', default: '1000000' },
    out: { type: 'string', default: 'data/search-bench/catalog.db' },
    seed: { type: 'string', default: '42' },
    batch: { type: 'string', default: '5000' },
    renditions: { type: 'string', default: '1' },
    force: { type: 'boolean', default: false },
  },
});

const TRACKS = Number(values.tracks);
const OUT = resolve(values.out!);
const BATCH = Number(values.batch);
if (!Number.isInteger(TRACKS) || TRACKS < 1 || TRACKS > 9_999_999) throw new Error('--tracks must be 1–9,999,999');
if (values.renditions !== '1' && values.renditions !== '4') throw new Error('--renditions must be 1 or 4');
const RENDITIONS = Number(values.renditions) as 1 | 4;

const random = seededRandom(Number(values.seed));
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;

/**
 * Samples indices 0..n-1 with weight 1/(i+1+offset)^s (Zipf–Mandelbrot): rank 0 is the most
 * frequent; the offset flattens the head so the top artist is not a twentieth of the catalog.
 */
function zipf(n: number, s: number, offset = 0): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / (i + 1 + offset) ** s;
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const FIRST = `James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen
  Daniel Nancy Matthew Lisa Anthony Betty Mark Sandra Paul Ashley Steven Emily Andrew Kimberly Kenneth Donna Joshua Michelle Kevin Carol Brian Amanda
  George Melissa Timothy Deborah Ronald Stephanie Jason Rebecca Ryan Laura Jacob Sharon Gary Cynthia Nicholas Kathleen Eric Amy Jonathan Shirley
  Taylor Jordan Alex Sam Charlie Jamie Billie Frankie Olivia Emma Ava Sophia Isabella Mia Amelia Harper Evelyn Abigail Ella Luna Nora Lily Zoe Hannah
  Liam Noah Oliver Elijah Lucas Mason Logan Ethan Aiden Leo Arlo Finn Kai Miles Theo Felix Oscar Hugo Max Ben Tom Jack Harry Ellie Freya Ingrid Astrid
  José Zoë Björn Søren Renée Chloé François Łukasz Jürgen Ólafur Sigríður Anaïs Inés Núria Ångström Märta Léa Élodie Hélène Çağla Dóra Zsófia Øystein
  Marta Lucía Sofía Mateo Santiago Camila Valentina Diego Joaquín Ximena Andrés Ramón Tomás Iñaki Maëlle Noémie Zoltán Dominika Katarzyna Paweł Miłosz
  Yuki Haruto Sakura Hiroshi Min-jun Seo-yeon Jia Wei Arjun Priya Ananya Rohan Aisha Omar Fatima Youssef Leila Amir Kwame Amara Chidi Zanele Thabo`.split(/\s+/);

const LAST = `Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson
  Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
  Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Swift Stone Rivers Knight Fox Wolfe Blackwood Marley Cash Dylan Holiday Monroe Presley
  Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schäfer Koch Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann
  García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz Moreno Álvarez Muñoz Romero Alonso Gutiérrez
  Nørgaard Jørgensen Kristiansen Sørensen Åberg Lindqvist Öberg Nyström Ståhl Löfgren Ólafsson Jóhannsdóttir Guðmundsson Einarsdóttir Varga Nagy
  Dvořák Novák Svoboda Kovačević Horvat Łoś Wójcik Kowalczyk Żak Öztürk Yılmaz Şahin Çelik Doğan Dubois Lefèvre Moreau Girard Bonnaire Rousseau Fontaine
  Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Tanaka Suzuki Watanabe Kim Park Choi Chen Wang Singh Patel Okafor Mensah`.split(/\s+/);

// Title words by rank: the first ones (love, night, heart…) are drawn far more often; the
// patterns below add the common little words ("the", "you", "my", "in") the way real titles do.
const WORDS = `love night heart baby time girl life home dream fire light day world way summer rain sun moon star river ocean
  city road tonight forever wild gold blue red black free sweet crazy lonely broken beautiful golden silver electric midnight
  morning paradise heaven angel devil ghost shadow echo thunder storm lightning fever sugar honey diamond roses wine whiskey
  highway train station window door mirror letter song rhythm blues soul boy friends lover kiss touch hands eyes lips smile
  tears alive dreams hope faith memories magic secret stranger danger wonder shine rise fall glow neon velvet satin paper
  glass stone iron steel concrete jungle desert island mountain valley garden forest wolves lions tiger dragon butterfly
  wings sky clouds waves tide shore harbor sailor pilot rebel soldier king queen prince princess empire kingdom crown throne
  revolution freedom machine robot digital analog signal static radio television cinema hollywood broadway vegas paris
  london tokyo berlin havana memphis nashville brooklyn california texas carolina georgia amsterdam lisbon kyoto reykjavík
  málaga zürich corazón amor noche vida siempre mañana cielo fuego canción sueño luz mundo chérie amour été soleil rêve
  cœur nuit schön träume sehnsucht fjäril stjärna hjärta ljós sól`.split(/\s+/);
const VERBS = `want need feel know love miss call hold kiss take leave see remember forget chase follow save break keep find lose
  touch wait dance run burn fly fall`.split(/\s+/);
const TITLE_PATTERNS = [
  '{a}', '{a}', '{a} {b}', '{a} {b}', 'The {a}', '{a} of the {b}', 'My {a}', '{a} in the {b}', 'I {v} You', 'Love {a}',
  '{a} Love', "Don't {v} Me", 'All the {a}', '{a} & {b}', 'When the {a} {v}s', '{a} {b} {c}', 'You {v} My {a}',
  '{a} on the {b}', 'Never {v} Again', '{a} Tonight', 'Crazy {a}', 'Little {a}', 'Back to the {a}', '{a} Is {b}',
];

const BAND_NOUNS = `Wolves Kings Lions Ghosts Machines Rebels Strangers Sailors Angels Devils Tigers Ravens Foxes Pilots Lovers Dreamers Drifters Shadows
  Echoes Horses Arrows Mirrors Engines Saints Sinners Hearts Stones Rivers Bells Comets Satellites Vandals Poets Monks Cowboys Pirates Owls Bears
  Sparrows Giants Wizards Hounds Orchids Violets Daggers Crowns Thunder Smoke Velvet Neon Chrome Honey Static Paper Glass Iron Gold Silver`.split(/\s+/);
const BAND_ADJECTIVES = `Black Red Blue Silver Golden Electric Midnight Wild Lonely Broken Crazy Sweet Dirty Holy Velvet Arctic Neon Crystal Burning
  Frozen Hollow Lost Young Dead Strange Happy Sad Little Big Royal Savage Gentle Quiet Loud Infinite Cosmic Atomic Digital Polar Tropical`.split(/\s+/);

const GENRES = [
  'Pop', 'Rock', 'Hip-Hop', 'Electronic', 'R&B', 'Country', 'Latin', 'Indie', 'Dance', 'Metal', 'Jazz', 'Classical', 'Folk',
  'Soul', 'Alternative', 'Reggaeton', 'Punk', 'K-Pop', 'Blues', 'Ambient', 'Post-rock', 'Techno', 'House', 'Drum & Bass',
  'Afrobeats', 'Gospel', 'Reggae', 'Funk', 'Disco', 'Singer-Songwriter', 'Soundtrack', 'Schlager', 'Chanson', 'Fado', 'Bossa Nova',
];

const LABEL_WORDS = `Northern Lights Blue Note Atlantic Harbor Sunset Echo Valley Iron Bridge Velvet Crown Paper Moon Golden Gate Silver Lining Red
  Brick Island Cedar Polar Star Neon Tide Granite Hollow Oak`.split(/\s+/);

const wordRank = zipf(WORDS.length, 0.8);
const capital = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

function title(): string {
  return TITLE_PATTERNS[int(TITLE_PATTERNS.length)]!
    .replace(/\{[abc]\}/g, () => capital(WORDS[wordRank()]!))
    .replace('{v}', () => capital(pick(VERBS)));
}
const genreRank = zipf(GENRES.length, 1.1);

/** Metal umlauts and other diacritics sprinkled on band names now and then (Mötley-style). */
function decorate(name: string): string {
  if (random() > 0.04) return name;
  return name.replace(/[ou]/, (letter) => (letter === 'o' ? 'ö' : 'ü'));
}

function artistName(): string {
  const roll = random();
  if (roll < 0.45) return `${pick(FIRST)} ${pick(LAST)}`;
  if (roll < 0.55) return `${pick(FIRST)} ${pick(FIRST)} ${pick(LAST)}`;
  if (roll < 0.65) return decorate(`The ${pick(BAND_ADJECTIVES)} ${pick(BAND_NOUNS)}`);
  if (roll < 0.73) return decorate(`${pick(BAND_ADJECTIVES)} ${pick(BAND_NOUNS)}`);
  if (roll < 0.79) return decorate(`${pick(BAND_NOUNS)} of ${pick(BAND_NOUNS)}`);
  if (roll < 0.84) return `${pick(FIRST)} & the ${pick(BAND_NOUNS)}`;
  if (roll < 0.88) return `DJ ${pick(FIRST)}`;
  if (roll < 0.91) return `MC ${pick(LAST)}`;
  if (roll < 0.94) return `Los ${pick(BAND_NOUNS)}`;
  return decorate(pick(BAND_NOUNS).toUpperCase());
}

const ARTISTS = Array.from({ length: Math.max(10, Math.round(TRACKS / 25)) }, artistName);
// About 0.4% of tracks for the top artist and 17% for the top hundred at 40,000 artists.
const artistRank = zipf(ARTISTS.length, 0.9, 20);
const LABELS = Array.from({ length: 300 }, (_, i) => `${pick(LABEL_WORDS)} ${pick(LABEL_WORDS)} ${i % 3 === 0 ? 'Music' : 'Records'}`);

function upc(index: number): string {
  const body = `20${String(index).padStart(9, '0')}`;
  const sum = [...body].reverse().reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 3 : 1), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

function trackTitle(): string {
  let text = title();
  const roll = random();
  if (roll < 0.03) text += ' (Remastered)';
  else if (roll < 0.05) text += ' - Live';
  else if (roll < 0.07) text += ` (${pick(FIRST)} ${pick(LAST)} Remix)`;
  return text;
}

/** One release at a time: its tracks, as publish inputs. */
function* releases(): Generator<PublishInput> {
  let track = 0;
  let release = 0;
  while (track < TRACKS) {
    release++;
    const artist = ARTISTS[artistRank()]!;
    const roll = random();
    const size = Math.min(TRACKS - track, roll < 0.35 ? 1 + int(3) : 6 + int(11));
    const titles = Array.from({ length: size }, trackTitle);
    const albumRoll = random();
    const albumTitle = size === 1 ? titles[0]! : albumRoll < 0.1 ? artist : albumRoll < 0.3 ? titles[0]! : title();
    const genre = GENRES[genreRank()]!;
    const year = 1955 + int(71);
    const releaseRecord = {
      upc: upc(release),
      label: LABELS[int(LABELS.length)]!,
      title: albumTitle,
      artists: [artist],
      releaseDate: `${year}-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`,
      genre,
      territories: ['WW'],
    };
    for (let i = 0; i < size; i++) {
      const isrc = `QZSYN${String(track).padStart(7, '0')}`;
      let trackTitleText = titles[i]!;
      const artists = [artist];
      if (random() < 0.08) {
        const guest = ARTISTS[artistRank()]!;
        if (guest !== artist) {
          artists.push(guest);
          if (random() < 0.5) trackTitleText += ` (feat. ${guest})`;
        }
      }
      yield {
        release: releaseRecord,
        track: { isrc, upc: releaseRecord.upc, title: trackTitleText, artists, trackNumber: i + 1, discNumber: 1, explicit: random() < 0.1 },
        version: {
          isrc,
          version: createHash('sha1').update(isrc).digest('hex').slice(0, 20),
          durationSeconds: Math.round((90 + random() * 330) * 1000) / 1000,
          loudness: { integrated: -6 - random() * 14, range: 2 + random() * 12, truePeak: -0.1 - random() * 3 },
          renditions: syntheticRenditions(RENDITIONS),
          publishedAt: '2026-01-15T12:00:00.000Z',
        },
      };
      track++;
    }
  }
}

/** Plays per track: the artist's rank (Zipf) times a per-track spread, so popular artists dominate. */
function playsFor(artistIndex: number): number {
  return Math.round((1_000_000 / (artistIndex + 21) ** 0.9) * random() ** 2);
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

if (existsSync(OUT)) {
  if (!values.force) throw new Error(`${OUT} exists; pass --force to rebuild it`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${OUT}${suffix}`, { force: true });
}

const artistIndex = new Map(ARTISTS.map((name, i) => [name, i] as const));
const started = process.hrtime.bigint();
const catalog = openCatalog(OUT);
let batch: PublishInput[] = [];
let done = 0;
let lastReport = started;
const flush = (): void => {
  catalog.publishMany(batch);
  catalog.recordPlays(batch.map((input) => ({ isrc: input.track.isrc, plays: playsFor(artistIndex.get(input.track.artists[0]!) ?? ARTISTS.length) })));
  done += batch.length;
  batch = [];
  const now = process.hrtime.bigint();
  if (now - lastReport > 10_000_000_000n || done === TRACKS) {
    lastReport = now;
    const seconds = Number(now - started) / 1e9;
    process.stderr.write(`${done.toLocaleString('en')} tracks, ${seconds.toFixed(0)} s, ${(done / seconds).toFixed(0)} tracks/s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
  }
};
try {
  for (const input of releases()) {
    batch.push(input);
    if (batch.length >= BATCH) flush();
  }
  if (batch.length) flush();
} finally {
  catalog.close();
}
// Bulk publishing leaves FTS5's index in a dozen segments; a catalog migrated to schema 5 has one.
const merging = new Database(OUT);
try {
  mergeSearchIndex(merging);
  merging.pragma('wal_checkpoint(TRUNCATE)');
} finally {
  merging.close();
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const bytes = fileSize(OUT) + fileSize(`${OUT}-wal`);
process.stdout.write(
  [
    `catalog: ${OUT}`,
    `tracks: ${TRACKS.toLocaleString('en')} (${ARTISTS.length.toLocaleString('en')} artists, seed ${values.seed}, ${RENDITIONS} rendition(s) each)`,
    `build time: ${seconds.toFixed(1)} s (${(TRACKS / seconds).toFixed(0)} tracks/s, batches of ${BATCH})`,
    `database size: ${(bytes / 2 ** 20).toFixed(0)} MiB (${(bytes / TRACKS).toFixed(0)} bytes/track)`,
    `peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  ].join('\n') + '\n',
);
