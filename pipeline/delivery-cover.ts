// The release's cover, checked with the rest of the delivery before any encoding: the path stays
// inside the delivery folder (delivery-file.ts), names a regular file, and the file is a real
// JPEG or PNG, at least 640×640 and at most 50 MB (cover-art.ts). Any problem is one for the whole
// release: a label sends the cover with the audio, and a release published without it is wrong.
// A cover that is not square is accepted with a warning (COVER_NOT_SQUARE): the cover route serves
// square sizes cropped to the centre square, so the label learns what listeners will see.
// Keyed on `draft.release.cover` only, so every delivery format gets the same check.

import { realpath, stat } from 'node:fs/promises';
import { checkCoverFile } from './cover-art.ts';
import { resolveDeliveryFile } from './delivery-file.ts';
import type { DeliveryCover, DeliveryDraft, DeliveryProblem } from './delivery-model.ts';

/** How problems name the field, in every format. */
export const COVER_FIELD = 'release.cover';
/** The warning's code, in acknowledgements and `--json` summaries. */
export const COVER_NOT_SQUARE = 'COVER_NOT_SQUARE';

export interface CheckedCover {
  /** Null when the release has no cover or it has a problem. */
  cover: DeliveryCover | null;
  problems: DeliveryProblem[];
  /** What does not refuse the release but the label should know (a cover that is not square). */
  warnings: DeliveryProblem[];
}

export async function checkDeliveryCover(draft: Pick<DeliveryDraft, 'folder' | 'release'>): Promise<CheckedCover> {
  const delivered = draft.release.cover;
  if (delivered === null) return { cover: null, problems: [], warnings: [] };
  const refuse = (message: string): CheckedCover => ({ cover: null, problems: [{ where: COVER_FIELD, message }], warnings: [] });
  const resolved = await resolveDeliveryFile(await realpath(draft.folder), delivered);
  if ('problem' in resolved) return refuse(resolved.problem);
  const info = await stat(resolved.path);
  if (!info.isFile()) return refuse(`${delivered}: not a file`);
  let check;
  try {
    check = await checkCoverFile(resolved.path);
  } catch (error) {
    return refuse(`${delivered}: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!check.ok) return { cover: null, problems: check.problems.map((problem) => ({ where: COVER_FIELD, message: `${delivered}: ${problem.code}: ${problem.message}` })), warnings: [] };
  const { sha256, extension, contentType, bytes } = check.image;
  const warnings = check.warnings.map((message) => ({ where: COVER_FIELD, code: COVER_NOT_SQUARE, message: `${delivered}: ${message}` }));
  return { cover: { path: resolved.path, sha256, extension, contentType, bytes }, problems: [], warnings };
}
