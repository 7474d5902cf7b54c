/**
 * Sending a fuzz case to a daemon and judging the answer: it must arrive (no hang), never be
 * the gateway's internal error, and be in the client format's error or success shape — a
 * JSON body, an SSE stream, or Gemini's streamed JSON array.
 */
import { request, type Agent } from 'node:http';
import { completedStreamProblems, errorShapeProblems, failedStreamProblems, formatOfKind, successShapeProblems } from '../resilience/client-shapes.js';
import type { FuzzCase } from './bodies.js';

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** 'timeout' when no complete answer came in time, 'network' when the connection failed. */
  failure?: 'timeout' | 'network';
  detail?: string;
}

export function send(base: URL, c: FuzzCase, timeoutMs: number, agent?: Agent): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...c.headers };
    if (c.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(c.body.length);
    let settled = false;
    const done = (a: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      resolve(a);
    };
    const req = request({ host: base.hostname, port: base.port, path: c.path, method: 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', (e) => done({ status: res.statusCode ?? 0, contentType: '', text: '', failure: 'network', detail: e.message }));
    });
    const guard = setTimeout(() => {
      req.destroy();
      done({ status: 0, contentType: '', text: '', failure: 'timeout' });
    }, timeoutMs);
    req.on('error', (e) => done({ status: 0, contentType: '', text: '', failure: 'network', detail: e.message }));
    req.end(c.body);
  });
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What is wrong with an answer to `c` ([] when it is acceptable). */
export function judge(c: FuzzCase, a: Answer): string[] {
  if (a.failure === 'timeout') return ['hang: no complete answer in time'];
  if (a.failure === 'network') {
    // the gateway may refuse an over-limit body and close before reading it all (413 is then lost)
    return c.kind === 'huge' ? [] : [`connection failed: ${a.detail}`];
  }
  const format = formatOfKind(c.client);
  const problems: string[] = [];
  if (a.status === 500) problems.push(`500 (an unexpected exception reached the error boundary): ${a.text.slice(0, 200)}`);
  if (a.status >= 200 && a.status < 300) {
    const arrayStream = c.client === 'gemini_array' && c.path.includes(':streamGenerateContent');
    if (a.contentType.includes('event-stream') || arrayStream) {
      const completed = completedStreamProblems(c.client, a.text);
      if (completed.length && (c.mustSucceed || failedStreamProblems(c.client, a.text).length))
        problems.push(`stream in neither the success nor the error shape: ${completed.join('; ')} | ${a.text.slice(-200)}`);
    } else {
      problems.push(...successShapeProblems(format, json(a.text)).map((p) => `${p}: ${a.text.slice(0, 200)}`));
    }
    if (a.status !== 200) problems.push(`unexpected success status ${a.status}`);
  } else {
    problems.push(...errorShapeProblems(format, json(a.text)).map((p) => `${a.status} ${p}: ${a.text.slice(0, 200)}`));
    if (c.mustSucceed) problems.push(`valid request refused with ${a.status}: ${a.text.slice(0, 300)}`);
  }
  if (c.kind === 'huge' && a.status !== 413) problems.push(`over-limit body answered ${a.status}`);
  return problems;
}
