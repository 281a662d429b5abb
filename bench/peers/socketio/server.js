// The benchmark's Socket.IO peer: the idiomatic minimum with the Redis adapter.
// A channel is a room: `subscribe` joins it, `publish` emits `message` to it.
//   node server.js PORT REDIS_URL
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

const [port = '3000', redisUrl = 'redis://127.0.0.1:6379'] = process.argv.slice(2);
const pub = createClient({ url: redisUrl });
const sub = pub.duplicate();
await Promise.all([pub.connect(), sub.connect()]);

const http = createServer((request, response) => {
  response.writeHead(request.url === '/healthz' ? 200 : 404).end();
});
const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(pub, sub) });
io.on('connection', (socket) => {
  socket.on('subscribe', (channel) => socket.join(channel));
  socket.on('publish', (channel, payload) => io.to(channel).emit('message', channel, payload));
});
http.listen(Number(port), '127.0.0.1');
