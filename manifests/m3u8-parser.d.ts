// m3u8-parser ships no types; this declares only what our tests read.
declare module 'm3u8-parser' {
  export interface ParsedByteRange {
    length: number;
    offset: number;
  }

  export interface ParsedSegment {
    uri: string;
    duration: number;
    byterange?: ParsedByteRange;
    map?: { uri: string; byterange?: ParsedByteRange };
  }

  export interface ParsedPlaylist {
    uri: string;
    attributes: Record<string, string | number | undefined>;
  }

  export interface ParsedManifest {
    version?: number;
    targetDuration?: number;
    mediaSequence?: number;
    playlistType?: string;
    endList?: boolean;
    independentSegments?: boolean;
    segments: ParsedSegment[];
    playlists?: ParsedPlaylist[];
  }

  export interface ParserMessage {
    message: string;
  }

  export class Parser {
    constructor(options?: { uri?: string; mainDefinitions?: Record<string, string> });
    manifest: ParsedManifest;
    push(chunk: string): void;
    end(): void;
    on(event: 'warn' | 'info', listener: (message: ParserMessage) => void): void;
  }
}
