// A backend's requests over core's HTTP/1.1 connection pool (docs/api.md, "HTTP for backends").
import { createServer } from 'node:http';
import { Http1Pool, resolveTimeouts, smallAnswer } from '@omnifs/core/backend';

// A tiny object service to talk to: PUT stores a body, GET returns it, /slow never answers.
const objects = new Map();
const server = createServer((req, res) => {
  const parts = [];
  req.on('data', (part) => parts.push(part));
  req.on('end', () => {
    if (req.url === '/slow') return;
    if (req.method === 'PUT') objects.set(req.url, Buffer.concat(parts));
    const body = objects.get(req.url);
    if (body === undefined) res.writeHead(404).end('no such object');
    else res.end(req.method === 'GET' ? body : undefined);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

const pool = new Http1Pool({ maxSockets: 8 }); // connections kept per host
const at = (method, path, body) => ({ method, protocol: 'http:', hostname: '127.0.0.1', port, path, headers: {}, body });

await pool.request(at('PUT', '/notes/a.txt', Buffer.from('hello')));
const small = await pool.request(at('GET', '/notes/a.txt'));
console.log(small.status, small.data.toString()); // 200 hello

await pool.request(at('PUT', '/big.bin', Buffer.alloc(4 * 1024 * 1024, 1)));
const big = await pool.request(at('GET', '/big.bin'), { stream: true, idleTimeout: 5000 });
let bytes = 0;
for await (const chunk of big.body) bytes += chunk.byteLength; // read as it arrives
console.log(bytes); // 4194304

const missing = await pool.request(at('GET', '/nothing'));
console.log(missing.status, missing.data.toString()); // 404 no such object

const late = await pool.request(at('GET', '/slow'), { requestTimeout: 100 }).catch((err) => err);
console.log(late.code, late.temporary); // ETIMEDOUT true

// Core's shared pool by URL, with the timeouts a backend resolved from its options.
const answer = await smallAnswer(`http://127.0.0.1:${port}/notes/a.txt`, {}, resolveTimeouts({}));
console.log(answer.status, answer.data.toString()); // 200 hello

pool.destroy();
server.close();
