// The one way a setting is read from the environment. Every variable goes through here, so a
// value that is not one the setting accepts is refused at start, naming the variable and what it
// accepts, instead of quietly becoming the default. An empty value counts as unset (env files
// and `VAR= cmd` write empty values to mean "not set").

import { CadenceError } from '../errors/cadence-error.ts';

export interface NumberRange {
  min: number;
  max: number;
  /** Whole numbers only. Default true. */
  integer?: boolean;
  /** What the number counts, for the message: `seconds`, `MiB`. */
  unit?: string;
}

/** Thrown by a custom parser: `accepts` says what the setting takes. */
export class SettingRefused extends Error {
  constructor(readonly accepts: string) {
    super(accepts);
  }
}

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;

/** Reads settings from one environment and collects every refusal; `done()` reports them at once. */
export class EnvSettings {
  readonly #env: NodeJS.ProcessEnv;
  readonly #problems: string[] = [];

  constructor(env: NodeJS.ProcessEnv) {
    this.#env = env;
  }

  /** The value as given (trimmed), or undefined when unset or empty. */
  raw(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value ? value : undefined;
  }

  /** Free text, optionally checked by `accepts.test`. */
  text<F>(name: string, fallback: F, rule?: { test: (value: string) => boolean; accepts: string }): string | F {
    return this.custom(name, fallback, (value) => {
      if (rule && !rule.test(value)) throw new SettingRefused(rule.accepts);
      return value;
    });
  }

  /** A decimal number within `range` (no hex, no exponent, no `Infinity`). */
  number<F>(name: string, fallback: F, range: NumberRange): number | F {
    const { min, max, integer = true, unit } = range;
    const accepts = `${integer ? 'a whole number' : 'a number'}${unit ? ` of ${unit}` : ''} from ${min} to ${max}`;
    return this.custom(name, fallback, (value) => {
      const number = Number(value);
      if (!DECIMAL.test(value) || !Number.isFinite(number) || number < min || number > max || (integer && !Number.isInteger(number))) {
        throw new SettingRefused(accepts);
      }
      return number;
    });
  }

  /** One of a fixed list of words. */
  choice<V extends string, F>(name: string, values: readonly V[], fallback: F): V | F {
    return this.custom(name, fallback, (value) => {
      if (!(values as readonly string[]).includes(value)) throw new SettingRefused(`one of ${values.join(', ')}`);
      return value as V;
    });
  }

  /**
   * Any parse: `parse` throws SettingRefused (or a CadenceError, whose message is used) to refuse.
   * A `secret` value is never echoed in the message.
   */
  custom<R, F>(name: string, fallback: F, parse: (value: string) => R, options: { secret?: boolean } = {}): R | F {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof SettingRefused) && !(error instanceof CadenceError)) throw error;
      const shown = options.secret ? name : `${name}=${JSON.stringify(value)}`;
      // A parser's own message may already start with the variable's name: not twice.
      const message = error.message.startsWith(`${name}: `) ? error.message.slice(name.length + 2) : error.message;
      this.#problems.push(error instanceof SettingRefused ? `${shown}: expected ${error.accepts}` : `${shown}: ${message}`);
      return fallback;
    }
  }

  /** Adds a refusal that concerns several settings together. */
  refuse(message: string): void {
    this.#problems.push(message);
  }

  /** Throws one BAD_CONFIG error naming every refused setting; nothing when all were accepted. */
  done(): void {
    if (this.#problems.length === 1) throw new CadenceError('BAD_CONFIG', this.#problems[0]!);
    if (this.#problems.length > 1) {
      throw new CadenceError('BAD_CONFIG', `${this.#problems.length} settings refused\n${this.#problems.map((p) => `  ${p}`).join('\n')}`);
    }
  }
}

/** Runs `read` over the environment, then refuses at once if any setting was refused. */
export function readSettings<T>(env: NodeJS.ProcessEnv, read: (settings: EnvSettings) => T): T {
  const settings = new EnvSettings(env);
  const value = read(settings);
  settings.done();
  return value;
}
