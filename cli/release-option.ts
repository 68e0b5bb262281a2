// A release named on the command line (`--upc`, `--release`): its id as the catalog knows it
// (catalog/release-id.ts): a UPC/EAN with a valid check digit, `grid:<GRid>` (hyphens allowed,
// check character verified) or `proprietary:<namespace>:<id>` for a release delivered without an ICPN.

import { gridReleaseId, releaseIdParts, GRID_PREFIX } from '../catalog/release-id.ts';
import { parseGrid } from '../ddex/values.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { isUpc } from '../pipeline/identifiers.ts';

export function parseReleaseOption(flag: string, value: string): string {
  const refuse = (why: string): never => {
    throw new CadenceError('BAD_INPUT', `${flag} ${JSON.stringify(value)} ${why}`);
  };
  if (/^[0-9]+$/.test(value)) return isUpc(value) ? value : refuse('is not a UPC-A or EAN-13 with a valid check digit');
  if (value.startsWith(GRID_PREFIX)) {
    const grid = parseGrid(value.slice(GRID_PREFIX.length));
    return 'value' in grid ? gridReleaseId(grid.value) : refuse(`is not a release id: ${grid.reason}`);
  }
  if (releaseIdParts(value)) return value;
  return refuse('is not a release id: a UPC/EAN, grid:<GRid> or proprietary:<namespace>:<id>');
}
