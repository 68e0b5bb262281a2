// Baseline for bench-origin: the least a Node server can do per 64 KiB range request (node:http,
// one file in memory, no routing, validation, signing, caching or metrics), on the same number of
// cluster workers as the origin. It shows how much of the gap to nginx is Node's own.
//
//   node --import tsx scripts/bare-node-range-server.ts <file> <port> <workers>

import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [file, port, workers] = process.argv.slice(2) as [string, string, string];
if (cluster.isPrimary) {
  for (let i = 0; i < Number(workers); i++) cluster.fork();
  let listening = 0;
  cluster.on('listening', () => ++listening === Number(workers) && process.stdout.write('listening\n'));
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const bytes = readFileSync(file);
  createServer((req, res) => {
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!range) return void res.writeHead(416).end();
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]), bytes.length - 1);
    res.writeHead(206, { 'Content-Type': 'audio/mp4', 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': String(end - start + 1) });
    res.end(bytes.subarray(start, end + 1));
  }).listen(Number(port), '127.0.0.1');
}
