// The reference point of issue 7's pass-through target: a bare node:http reverse proxy of a
// few dozen lines, with keep-alive to the upstream and bodies piped both ways. It does no
// routing, no auth, no logging: what Node itself costs to proxy a request.
// Usage: node bench/lib/bare-proxy.mjs LISTEN_PORT UPSTREAM_PORT   (prints `ready PORT`)
import http from 'node:http';

const listenPort = Number(process.argv[2] ?? 0);
const upstreamPort = Number(process.argv[3]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

const server = http.createServer((req, res) => {
  const headers = { ...req.headers };
  delete headers.host;
  delete headers.connection;
  const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent }, (ur) => {
    res.writeHead(ur.statusCode ?? 502, ur.headers);
    ur.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
});

server.on('connection', (s) => s.setNoDelay(true));
server.keepAliveTimeout = 65_000;
server.listen(listenPort, '127.0.0.1', () => {
  process.stdout.write(`ready ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
