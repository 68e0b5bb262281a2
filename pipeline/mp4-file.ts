// Reads the top-level box layout of an MP4 file from disk without loading media payloads:
// headers are read one by one and only the bodies asked for (moov, sidx, moof…) are loaded.

import { open } from 'node:fs/promises';
import { type Box, type TopLevelBox, readBoxHeader } from '../manifests/box-reader.ts';
import { MediaError } from '../errors/cadence-error.ts';

export async function readTopLevelBoxes(path: string, loadTypes: ReadonlySet<string>): Promise<TopLevelBox[]> {
  const file = await open(path, 'r');
  try {
    const { size: fileSize } = await file.stat();
    const boxes: TopLevelBox[] = [];
    const header = Buffer.alloc(16);
    for (let offset = 0; offset < fileSize; ) {
      const { bytesRead } = await file.read(header, 0, 16, offset);
      const parsed = readBoxHeader(header.subarray(0, bytesRead), 0, fileSize - offset);
      if (!parsed) throw new MediaError(`${path}: truncated box header at byte ${offset}`);
      if (offset + parsed.size > fileSize) {
        throw new MediaError(`${path}: box ${parsed.type} at byte ${offset} runs past the end of the file`);
      }
      const entry: TopLevelBox = { type: parsed.type, offset, size: parsed.size };
      if (loadTypes.has(parsed.type)) {
        const bytes = Buffer.alloc(parsed.size);
        await file.read(bytes, 0, parsed.size, offset);
        entry.box = {
          type: parsed.type,
          offset,
          size: parsed.size,
          headerSize: parsed.headerSize,
          body: bytes.subarray(parsed.headerSize),
        };
      }
      boxes.push(entry);
      offset += parsed.size;
    }
    return boxes;
  } finally {
    await file.close();
  }
}

export function requireTopLevel(boxes: TopLevelBox[], type: string, path: string): Box {
  const found = boxes.find((entry) => entry.type === type)?.box;
  if (!found) throw new MediaError(`${path}: no ${type} box`);
  return found;
}
