// Collects every problem in a message, so a label sees them all at once.

import type { DdexProblem, DdexProblemCode } from './types.ts';
import type { Parsed } from './values.ts';

export class ProblemList {
  readonly items: DdexProblem[] = [];

  error(code: DdexProblemCode, path: string, message: string): void {
    this.items.push({ code, severity: 'error', path, message });
  }

  warn(code: DdexProblemCode, path: string, message: string): void {
    this.items.push({ code, severity: 'warning', path, message });
  }

  add(problems: readonly DdexProblem[]): void {
    this.items.push(...problems);
  }

  get hasErrors(): boolean {
    return this.items.some((p) => p.severity === 'error');
  }

  /** The value, or null with the reason recorded as `code` at `path`. */
  take<T>(parsed: Parsed<T>, code: DdexProblemCode, path: string): T | null {
    if ('value' in parsed) return parsed.value;
    this.error(code, path, parsed.reason);
    return null;
  }
}
