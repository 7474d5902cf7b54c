import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FormatId } from '../../src/ir/types.js';

/** Recorded real provider responses (copied from shared/fixtures; see its README). */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/recorded/', import.meta.url));

export interface FixtureEntry {
  format: FormatId;
  file: string;
  streaming: boolean;
  shows: string[];
  model: string;
  http_responses: number;
  note: string;
}

export function fixtureManifest(): FixtureEntry[] {
  return JSON.parse(readFileSync(FIXTURES_DIR + 'manifest.json', 'utf8')).entries;
}

export function fixtureText(file: string): string {
  return readFileSync(FIXTURES_DIR + file, 'utf8');
}

export function fixtureJson(file: string): unknown {
  return JSON.parse(fixtureText(file));
}

/** The event payloads of a *.chunks.txt file, one parsed object per line. */
export function fixtureChunks(file: string): Record<string, unknown>[] {
  return fixtureText(file)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/**
 * Split a multi-response recording into its HTTP responses (README: a new response starts
 * at each message_start / response.created / new chat chunk id / new Gemini responseId).
 */
export function splitResponses(format: FormatId, chunks: Record<string, unknown>[]): Record<string, unknown>[][] {
  const out: Record<string, unknown>[][] = [];
  let lastKey: unknown;
  for (const c of chunks) {
    let starts = false;
    if (format === 'anthropic') starts = c.type === 'message_start';
    else if (format === 'openai_responses') starts = c.type === 'response.created';
    else if (format === 'openai') starts = c.id !== lastKey;
    else starts = c.responseId !== lastKey;
    if (format === 'openai') lastKey = c.id;
    if (format === 'gemini') lastKey = c.responseId;
    if (starts || out.length === 0) out.push([]);
    out[out.length - 1].push(c);
  }
  return out;
}

/** Frame recorded payloads back into the bytes the provider sent (README table). */
export function frameStream(format: FormatId, chunks: Record<string, unknown>[]): string {
  let s = '';
  for (const c of chunks) {
    const line = JSON.stringify(c);
    if (format === 'anthropic' || format === 'openai_responses') s += `event: ${String(c.type)}\ndata: ${line}\n\n`;
    else if (format === 'openai') s += `data: ${line}\n\n`;
    else s += `data: ${line}\r\n\r\n`;
  }
  if (format === 'openai') s += 'data: [DONE]\n\n';
  return s;
}
