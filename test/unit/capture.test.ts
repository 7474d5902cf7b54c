import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureSlabs, PayloadCapture } from '../../src/gateway/capture.js';
import { packed, payloadsOf, type PayloadSource } from '../../src/observe/types.js';
import { ByteSlabs, type Piece } from '../../src/util/byte-slabs.js';

/** The client response of a capture fed these chunks, read back as the inspector reads it. */
function clientResponse(limit: number, chunks: (string | Buffer)[]) {
  const cap = new PayloadCapture(new CaptureSlabs(), limit, Buffer.from('{}'), []);
  cap.clientResponse = cap.body();
  for (const c of chunks) cap.clientResponse.add(c);
  return payloadsOf(cap).client_response;
}

test('a body captured from chunks reads back whole, a character split between two chunks included', () => {
  const bytes = Buffer.from('data: {"text":"héllo wörld €"}\n\n');
  const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of €
  assert.deepEqual(clientResponse(1024, [bytes.subarray(0, cut), bytes.subarray(cut)]), { body: bytes.toString('utf8'), truncated: false });
});

test('strings and Buffers mix; the result is the text in order', () => {
  assert.equal(clientResponse(1024, ['event: a\n', Buffer.from('data: ü\n\n'), 'event: b\n'])?.body, 'event: a\ndata: ü\n\nevent: b\n');
});

test('a capture stops at its limit, flags truncation, and never ends in half a character', () => {
  // the cap falls inside the first €; nothing is added after it
  assert.deepEqual(clientResponse(10, [Buffer.from('12345678'), Buffer.from('€€'), 'more']), { body: '12345678', truncated: true });
  assert.deepEqual(clientResponse(4, ['abcdef']), { body: 'abcd', truncated: true });
  // one Buffer (held as it is until packed) cut inside a character
  assert.deepEqual(clientResponse(3, [Buffer.from('ab€')]), { body: 'ab', truncated: true });
  // a string cut between the halves of a surrogate pair
  assert.deepEqual(clientResponse(3, ['ab😀']), { body: 'ab', truncated: true });
});

test('payloads are made when read: headers masked (by any case), repeated ones joined, URL as text, absent bodies left out', () => {
  const cap = new PayloadCapture(new CaptureSlabs(), 1024, Buffer.from('{"model":"m"}'), [
    'Authorization',
    'Bearer sk-client-secret-1234',
    'Content-Type',
    'application/json',
    'X-Tag',
    'a',
    'x-tag',
    'b',
  ]);
  cap.downstreamRequest = cap.body('{"model":"x"}');
  cap.downstreamHeaders = { 'x-api-key': 'sk-ant-downstream-9876', 'anthropic-version': '2023-06-01' };
  cap.downstreamUrl = new URL('http://127.0.0.1:9/v1/messages');
  const p = payloadsOf(cap);
  assert.equal(p.client_request?.body, '{"model":"m"}');
  assert.equal(p.downstream_request?.body, '{"model":"x"}');
  assert.equal(p.client_headers?.authorization, 'Bearer sk-…1234');
  assert.equal(p.client_headers?.['content-type'], 'application/json');
  assert.equal(p.client_headers?.['x-tag'], 'a, b');
  assert.equal(p.downstream_headers?.['x-api-key'], 'sk-…9876');
  assert.equal(p.downstream_headers?.['anthropic-version'], '2023-06-01');
  assert.equal(p.downstream_url, 'http://127.0.0.1:9/v1/messages');
  assert.equal(p.downstream_response, undefined);
  assert.equal(p.client_response, undefined);
  assert.doesNotMatch(JSON.stringify(p), /sk-client-secret|sk-ant-downstream/);
});

test("a small capture of held bodies is kept as it is; a stream's or a large one is packed into a copy that later changes to the request buffers do not reach", () => {
  function capture(content: string) {
    const body = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content }] }));
    const cap = new PayloadCapture(new CaptureSlabs(), 1 << 20, body, ['x-api-key', 'sk-abcdefghijkl']);
    cap.downstreamRequest = cap.body('{"contents":[]}');
    const up = Buffer.from('data: {"x":1}\n\n');
    cap.downstreamResponse = cap.body();
    cap.downstreamResponse.add(up);
    cap.clientResponse = cap.downstreamResponse;
    return { cap, body, up, before: payloadsOf(cap) };
  }
  const small = capture('grüß dich');
  assert.equal(packed(small.cap), small.cap, 'kept as it is');
  assert.deepEqual(payloadsOf(packed(small.cap)), small.before);
  assert.equal(small.before.client_request?.body, '{"messages":[{"role":"user","content":"grüß dich"}]}');
  assert.equal(small.before.client_response?.body, 'data: {"x":1}\n\n');

  const streamed = capture('hi');
  streamed.cap.downstreamResponse!.add(Buffer.from('data: {"x":2}\n\n'));
  const packedStream = packed(streamed.cap);
  assert.notEqual(packedStream, streamed.cap, 'a body copied as it passed (a stream) is packed');
  assert.equal(payloadsOf(packedStream).client_response?.body, 'data: {"x":1}\n\ndata: {"x":2}\n\n');

  const large = capture('ü'.repeat(40_000)); // 80 KB: more than is kept unpacked
  const kept = packed(large.cap);
  assert.notEqual(kept, large.cap);
  large.body.fill(0x20);
  large.up.fill(0x20);
  assert.deepEqual(payloadsOf(kept), large.before);
  assert.equal(large.before.client_request?.body.length, 40_000 + '{"messages":[{"role":"user","content":""}]}'.length);
});

/** The bytes of a piece, as a view. */
const view = (p: Piece) => p.buf.subarray(p.start, p.start + p.size);

test('slabs: pieces share a slab until it is full; a large piece that does not fit gets a Buffer of its own', () => {
  const slabs = new ByteSlabs(1024);
  const a = slabs.take(100);
  const b = slabs.take(100);
  assert.equal(a.buf, b.buf, 'same slab');
  assert.equal(b.start, a.start + 100);
  view(a).fill(1);
  view(b).fill(2);
  assert.ok(view(a).every((x) => x === 1) && view(b).every((x) => x === 2), 'pieces do not overlap');
  for (let i = 0; i < 4; i++) assert.equal(slabs.take(200).buf, a.buf);
  const c = slabs.take(200); // 24 bytes left: a new slab
  assert.notEqual(c.buf, a.buf);
  assert.equal(c.size, 200);
  const big = slabs.take(900); // does not fit, more than a quarter of a slab
  assert.equal(big.buf.length, 900);
  assert.notEqual(big.buf, c.buf);
  const d = slabs.take(50); // the big one did not use up the current slab
  assert.equal(d.buf, c.buf);
  assert.equal(d.start, c.start + 200);
});

test('slabs: a slab whose pieces are all released is reused, never while one is still held', () => {
  const slabs = new ByteSlabs(4096); // ten pieces of 400 to a slab
  const take = (n: number) => Array.from({ length: n }, () => slabs.take(400));
  const first = take(10);
  const held = slabs.take(400); // a second slab
  assert.notEqual(held.buf, first[0].buf);
  for (const p of first.slice(0, 9)) slabs.release(p);
  take(9);
  const third = slabs.take(400); // the first slab still holds a live piece: a new one
  assert.notEqual(third.buf, first[9].buf);
  assert.notEqual(third.buf, held.buf);
  slabs.release(first[9]); // now the first slab is free…
  take(9);
  const reused = slabs.take(400); // …and is taken again when the third is full
  assert.equal(reused.buf, first[0].buf);
  assert.equal(reused.start, first[0].start);
  view(held).fill(7);
  view(reused).fill(9);
  assert.ok(
    view(held).every((x) => x === 7),
    'a held piece is never handed out again',
  );
});

test('steady captured traffic reuses the same slabs: bodies grow in pieces given back when packed, kept captures give theirs back when dropped', () => {
  const slabs = { passing: new ByteSlabs(64 * 1024), kept: new ByteSlabs(64 * 1024) };
  const kept: PayloadSource[] = [];
  const buffers = new Set<Buffer>();
  for (const s of Object.values(slabs)) {
    const take = s.take.bind(s);
    s.take = (size) => {
      const p = take(size);
      buffers.add(p.buf);
      return p;
    };
  }
  for (let i = 0; i < 2000; i++) {
    const cap = new PayloadCapture(slabs, 1 << 20, Buffer.from(`{"n":${i}}`), []);
    cap.downstreamRequest = cap.body('{"attempt":1}');
    cap.downstreamRequest = cap.body('{"attempt":2}'); // a retry: the first body is dropped too
    cap.clientResponse = cap.body();
    for (let k = 0; k < 20; k++) cap.clientResponse.add(`data: {"n":${i},"k":${k},"pad":"${'x'.repeat(100)}"}\n\n`);
    kept.push(cap.pack());
    if (kept.length > 100) kept.shift()!.release!();
    if (i % 97 === 0) {
      const p = kept.at(-1)!.payloads();
      assert.equal(p.client_request?.body, `{"n":${i}}`);
      assert.equal(p.downstream_request?.body, '{"attempt":2}');
      assert.equal(p.client_response?.body.split('\n\n').length, 21);
    }
  }
  assert.match(kept[0].payloads().client_request!.body, /^\{"n":1900\}$/, 'the oldest kept capture is intact');
  // 100 kept captures (streamed: packed) of ~2.9 KB fill five 64 KB slabs, one in flight part of one; without reuse 2,000 would take ~400
  assert.ok(buffers.size <= 10, `${buffers.size} slabs for 2,000 captures of which 100 are kept`);
});

test('long streams in flight among short requests hold little memory: passing bodies do not share slabs', () => {
  /** Bytes of the distinct buffers that the bodies of `streams` long streams still hold. */
  function held(slabs: CaptureSlabs, streams: number): number {
    const live = new Set<Piece>();
    const take = slabs.passing.take.bind(slabs.passing);
    const release = slabs.passing.release.bind(slabs.passing);
    slabs.passing.take = (size) => {
      const p = take(size);
      live.add(p);
      return p;
    };
    slabs.passing.release = (p) => {
      live.delete(p);
      release(p);
    };
    const chunk = `data: {"pad":"${'x'.repeat(400)}"}\n\n`;
    const running: PayloadCapture[] = [];
    for (let i = 0; i < streams; i++) {
      const long = new PayloadCapture(slabs, 1 << 20, Buffer.from('{}'), []);
      long.clientResponse = long.body();
      long.clientResponse.add(chunk);
      long.clientResponse.add(chunk); // streaming: its bytes now in a piece
      running.push(long);
      for (let k = 0; k < 600; k++) {
        const short = new PayloadCapture(slabs, 1 << 20, Buffer.from('{}'), []);
        short.clientResponse = short.body();
        for (let c = 0; c < 4; c++) short.clientResponse.add(chunk);
        short.pack().release();
      }
    }
    assert.equal(live.size, streams, 'only the running streams hold pieces');
    let bytes = 0;
    for (const b of new Set([...live].map((p) => p.buf.buffer))) bytes += b.byteLength;
    return bytes;
  }
  // the gateway's: 200 streams hold at most a 64 KB slab each
  assert.ok(held(new CaptureSlabs(), 200) <= 200 * 65536, 'bounded by the streams');
  // what shared 1 MiB slabs would do: every long stream keeps a slab of its own
  const shared = { passing: new ByteSlabs(), kept: new ByteSlabs() } as unknown as CaptureSlabs;
  assert.ok(held(shared, 50) >= 45 * (1 << 20), 'each stream pins a slab');
});

test('random chunkings of random text read back as the text, or as its longest prefix within the limit', () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = ['a', 'z', ' ', '\n', 'é', 'ß', '€', '中', '😀', '"', '\\'];
  for (let round = 0; round < 300; round++) {
    let text = '';
    for (let i = rand(400); i > 0; i--) text += alphabet[rand(alphabet.length)];
    const bytes = Buffer.from(text);
    // cut into chunks at random byte offsets (through characters, too), each a Buffer or, when whole characters, maybe a string
    const chunks: (string | Buffer)[] = [];
    for (let at = 0; at < bytes.length;) {
      const end = Math.min(bytes.length, at + 1 + rand(60));
      const part = bytes.subarray(at, end);
      const asText = part.toString('utf8');
      chunks.push(rand(2) === 0 && Buffer.from(asText).equals(part) ? asText : part);
      at = end;
    }
    const limit = rand(3) === 0 ? 1 + rand(Math.max(1, bytes.length)) : 1 << 20;
    const got = clientResponse(limit, chunks);
    if (bytes.length === 0) {
      assert.equal(got?.body ?? '', '');
      continue;
    }
    if (bytes.length <= limit) {
      assert.deepEqual(got, { body: text, truncated: false }, `round ${round}`);
      continue;
    }
    assert.equal(got?.truncated, true, `round ${round}: truncated`);
    const body = got!.body;
    assert.ok(text.startsWith(body), `round ${round}: a prefix`);
    const n = Buffer.byteLength(body);
    assert.ok(n <= limit && n > limit - 4, `round ${round}: ${n} bytes for a limit of ${limit}`);
  }
});

test('plain captured payloads pass through payloadsOf and packed unchanged', () => {
  const plain = { client_request: { body: '{}', truncated: false } };
  assert.equal(payloadsOf(plain), plain);
  assert.equal(packed(plain), plain);
});

test('held strings pack exactly around the room estimate: short ones by an upper bound cut back, long ones measured', () => {
  const slabs = new CaptureSlabs();
  const euros = '€'.repeat(10_000); // 30,000 bytes from 10,000 units: estimated
  const accents = 'é'.repeat(40_000); // 80,000 bytes from 40,000 units: measured
  for (const [limit, text, expected, cut] of [
    [1 << 20, euros, euros, false],
    [1 << 20, accents, accents, false],
    [50_001, accents, 'é'.repeat(25_000), true],
    [29_999, euros, '€'.repeat(9_999), true],
    [30_000, euros, euros, false],
  ] as const) {
    const cap = new PayloadCapture(slabs, limit, Buffer.from('{}'), []);
    cap.clientResponse = cap.body(text);
    const packed = cap.pack();
    assert.deepEqual(packed.payloads().client_response, { body: expected, truncated: cut }, `limit ${limit}, ${text.length} units`);
    packed.release();
  }
});

test('a shrunk piece gives its tail back to the slab', () => {
  const slabs = new ByteSlabs(1024);
  const a = slabs.take(200);
  slabs.shrink(a, 40);
  const b = slabs.take(10);
  assert.equal(b.buf, a.buf);
  assert.equal(b.start, 40);
  // not the slab's last piece any more: only its own size changes
  slabs.shrink(a, 20);
  assert.equal(slabs.take(1).start, 50);
  assert.equal(a.size, 20);
});
