// Serialises work per key inside this process. S3 (and s3rver) have no create-only put we can
// rely on everywhere, so two writers of one key in one process take turns: the second one sees
// the first one's object and compares checksums instead of overwriting it.

const tails = new Map<string, Promise<void>>();

export async function withKeyLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  tails.set(key, tail);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
