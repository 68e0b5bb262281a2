// SQLite's quick integrity check (`PRAGMA quick_check`) of a catalog file, run in a worker thread
// on its own read-only connection: it reads every page (seconds at a million tracks), which must
// not stall the origin's event loop. An in-memory catalog is checked on its own connection.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { catalogFailure } from './catalog-failure.ts';

// Plain CommonJS, so the worker needs no TypeScript loader; better-sqlite3 is passed in by path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let answer;
try {
  const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  try {
    answer = { result: String(db.pragma('quick_check(1)', { simple: true })) };
  } finally {
    db.close();
  }
} catch (error) {
  answer = { error: { message: String(error && error.message), code: error && error.code } };
}
parentPort.postMessage(answer);
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** null when the file is sound, else the first problem (SQLite's words, path-free unless disk full). */
export function quickCheck(db: BetterSqlite3.Database): Promise<string | null> {
  if (db.memory) {
    try {
      return Promise.resolve(verdict(String(db.pragma('quick_check(1)', { simple: true }))));
    } catch (cause) {
      return Promise.resolve(catalogFailure('quick check', cause, db.name).message);
    }
  }
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: db.name, driver } });
    worker.once('message', (answer: { result?: string; error?: { message: string; code?: string } }) => {
      if (answer.error) resolve(catalogFailure('quick check', Object.assign(new Error(answer.error.message), { code: answer.error.code }), db.name).message);
      else resolve(verdict(answer.result ?? ''));
    });
    worker.once('error', (error: Error) => resolve(`quick check could not run: ${error.message}`));
    worker.once('exit', (code) => {
      if (code !== 0) resolve(`quick check ended with status ${code}`);
    });
  });
}

function verdict(result: string): string | null {
  return result === 'ok' ? null : result;
}
