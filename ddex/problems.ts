// Collects every problem in a message, so a label sees them all at once; bounded, so a message
// built to produce millions of problems cannot turn the report into the attack.

import type { DdexProblem, DdexProblemCode } from './types.ts';
import type { Parsed } from './values.ts';

export const MAX_PROBLEMS = 1000;

export class ProblemList {
  readonly #items: DdexProblem[] = [];
  #dropped = 0;
  #errors = 0;

  get items(): DdexProblem[] {
    if (this.#dropped === 0) return [...this.#items];
    const last = this.#items.at(-1)!;
    return [...this.#items, { code: last.code, severity: 'error', path: '/', message: `${this.#dropped} more problem(s) not listed` }];
  }

  #push(problem: DdexProblem): void {
    if (problem.severity === 'error') this.#errors += 1;
    if (this.#items.length < MAX_PROBLEMS) this.#items.push(problem);
    else this.#dropped += 1;
  }

  error(code: DdexProblemCode, path: string, message: string): void {
    this.#push({ code, severity: 'error', path, message });
  }

  warn(code: DdexProblemCode, path: string, message: string): void {
    this.#push({ code, severity: 'warning', path, message });
  }

  add(problems: readonly DdexProblem[]): void {
    for (const problem of problems) this.#push(problem);
  }

  get hasErrors(): boolean {
    return this.#errors > 0;
  }

  /** The value, or null with the reason recorded as `code` at `path`. */
  take<T>(parsed: Parsed<T>, code: DdexProblemCode, path: string): T | null {
    if ('value' in parsed) return parsed.value;
    this.error(code, path, parsed.reason);
    return null;
  }
}
