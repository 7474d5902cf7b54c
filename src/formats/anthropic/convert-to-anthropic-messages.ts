import type { CacheControl, DocumentPart, ImagePart, MediaSource, Message, Part, ProviderPart, ReasoningPart, ToolResultPart } from '../../ir/types.js';
import { parseDataUrl } from '../../util/media.js';
import { anthropicToolId } from './ids.js';
import {
  isRecord,
  type JsonRecord,
  type WireBlock,
  type WireDocumentBlock,
  type WireImageBlock,
  type WireMediaSource,
  type WireMessage,
  type WireTextBlock,
  type WireToolResultBlock,
  type WireToolResultContent,
  type WireToolUseBlock,
} from './wire.js';

/**
 * A turn under construction. In a user turn the tool results are kept apart because
 * Anthropic wants them first, before any other block of the turn.
 */
export interface Turn {
  role: 'user' | 'assistant';
  results: WireToolResultBlock[];
  content: WireBlock[];
}

/** The user turn put first when a history starts with the assistant (or has no turn at all). */
export const PLACEHOLDER_USER_TEXT = '(conversation continues)';

/** Result sent for a tool call the client never answered (Anthropic demands one per call). */
export const MISSING_RESULT_TEXT = 'No result was provided for this tool call.';

/**
 * Hub messages → Anthropic turns: user and tool messages share the user role, consecutive
 * same-role messages merge, tool results lead their user turn, empty text is dropped, and
 * every tool_result pairs with a tool_use of the assistant turn just before it (orphans
 * become text, unanswered calls get a stub result). Content is never reordered otherwise.
 */
export function convertToAnthropicTurns(messages: Message[], sameFormat: boolean): Turn[] {
  const turns: Turn[] = [];
  for (const msg of messages) {
    const role = msg.role === 'assistant' ? 'assistant' : 'user';
    const last = turns[turns.length - 1];
    const turn: Turn = last && last.role === role ? last : { role, results: [], content: [] };
    const before = turn.results.length + turn.content.length;
    appendParts(turn, msg, sameFormat);
    if (turn !== last && turn.results.length + turn.content.length > before) turns.push(turn);
  }
  pairToolResults(turns);
  if (turns.length === 0 || turns[0].role !== 'user') {
    turns.unshift({ role: 'user', results: [], content: [{ type: 'text', text: PLACEHOLDER_USER_TEXT }] });
  }
  trimPrefill(turns[turns.length - 1]);
  return turns;
}

/** A final assistant turn is a prefill; Anthropic rejects one that ends with whitespace. */
function trimPrefill(turn: Turn): void {
  if (turn.role !== 'assistant') return;
  const i = turn.content.length - 1;
  const last = turn.content[i];
  if (last?.type !== 'text' || typeof last.text !== 'string') return;
  const text = last.text.trimEnd();
  if (text !== last.text) turn.content[i] = { ...last, text } as WireBlock;
}

export function toWireMessages(turns: Turn[]): WireMessage[] {
  return turns.map((t) => ({
    role: t.role,
    content: t.results.length === 0 ? t.content : [...t.results, ...t.content],
  }));
}

export function toolUseIds(turn: Turn): string[] {
  const ids: string[] = [];
  for (const b of turn.content) if (isToolUse(b)) ids.push(b.id);
  return ids;
}

export function isToolUse(b: WireBlock): b is WireToolUseBlock {
  return b.type === 'tool_use';
}

function appendParts(turn: Turn, msg: Message, sameFormat: boolean): void {
  // Anthropic's own server-tool blocks go back where they were; other formats' are skipped.
  const provider = msg.providerParts;
  let nextProvider = 0;
  const flushProvider = (upTo: number) => {
    if (!provider) return;
    while (nextProvider < provider.length && provider[nextProvider].index <= upTo) {
      pushProviderPart(turn, provider[nextProvider++]);
    }
  };
  const parts = msg.parts;
  for (let k = 0; k < parts.length; k++) {
    flushProvider(k);
    appendPart(turn, parts[k], sameFormat);
  }
  flushProvider(Number.POSITIVE_INFINITY);
}

function pushProviderPart(turn: Turn, p: ProviderPart): void {
  if (p.format !== 'anthropic' || typeof p.raw.type !== 'string') return;
  turn.content.push(p.raw as WireBlock);
}

function appendPart(turn: Turn, part: Part, sameFormat: boolean): void {
  switch (part.type) {
    case 'text':
      // Anthropic rejects empty and whitespace-only text blocks.
      if (part.text.trim() !== '') turn.content.push(textBlock(part.text, part.cacheControl));
      return;
    case 'image':
    case 'document':
      turn.content.push(mediaBlock(part, sameFormat));
      return;
    case 'tool_call': {
      const block: WireToolUseBlock = {
        type: 'tool_use',
        id: anthropicToolId(part.id),
        name: part.name,
        input: parseArguments(part.arguments),
      };
      if (part.cacheControl) block.cache_control = part.cacheControl;
      turn.content.push(block);
      return;
    }
    case 'tool_result':
      if (turn.role === 'user') turn.results.push(toolResultBlock(part, sameFormat));
      return;
    case 'reasoning':
      if (turn.role === 'assistant') {
        const block = thinkingBlock(part);
        if (block) turn.content.push(block);
      }
      return;
  }
}

/**
 * Only Anthropic's own signed reasoning can go back to Anthropic; other families' reasoning
 * (and unsigned text) is dropped, since the API rejects thinking without a valid signature.
 */
export function thinkingBlock(part: ReasoningPart): WireBlock | undefined {
  if (part.family !== 'anthropic') return undefined;
  if (part.redactedData) return { type: 'redacted_thinking', data: part.redactedData };
  if (part.signature) return { type: 'thinking', thinking: part.text, signature: part.signature };
  return undefined;
}

function textBlock(text: string, cc: CacheControl | undefined): WireTextBlock {
  return cc ? { type: 'text', text, cache_control: cc } : { type: 'text', text };
}

/** Tool-call arguments JSON → the `input` object Anthropic requires (lenient: history is history). */
function parseArguments(args: string): JsonRecord {
  if (args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isRecord(v) ? v : {};
  } catch {
    return {};
  }
}

function mediaBlock(part: ImagePart | DocumentPart, sameFormat: boolean): WireImageBlock | WireDocumentBlock | WireTextBlock {
  const source = part.type === 'image' ? imageSource(part.source, sameFormat) : documentSource(part.source, sameFormat);
  if (!source) {
    return textBlock(`[${part.type} omitted: ${describeSource(part.source)} cannot be passed to this model]`, part.cacheControl);
  }
  if (part.type === 'image') {
    const block: WireImageBlock = { type: 'image', source };
    if (part.cacheControl) block.cache_control = part.cacheControl;
    return block;
  }
  const block: WireDocumentBlock = { type: 'document', source };
  if (part.filename) block.title = part.filename;
  if (part.cacheControl) block.cache_control = part.cacheControl;
  return block;
}

function describeSource(s: MediaSource): string {
  if (s.kind === 'file_id') return `file reference ${s.fileId}`;
  if (s.kind === 'url') return `URL ${s.url.startsWith('data:') ? '(data URL)' : s.url}`;
  return `media type ${s.mediaType}`;
}

function isHttpUrl(url: string): boolean {
  return url.startsWith('https://') || url.startsWith('http://');
}

/** Image sources: base64 as is, data: URLs decoded, http(s) URLs by reference (never fetched). */
function imageSource(s: MediaSource, sameFormat: boolean): WireMediaSource | undefined {
  switch (s.kind) {
    case 'base64':
      return { type: 'base64', media_type: s.mediaType, data: s.data };
    case 'url': {
      if (isHttpUrl(s.url)) return { type: 'url', url: s.url };
      const parsed = parseDataUrl(s.url);
      return parsed ? { type: 'base64', media_type: parsed.mediaType, data: parsed.data } : undefined;
    }
    case 'file_id':
      // Another provider's file ids mean nothing to Anthropic's Files API.
      return sameFormat ? { type: 'file', file_id: s.fileId } : undefined;
  }
}

/** Document sources: PDFs as base64 or URL; any text type as a plain-text source. */
function documentSource(s: MediaSource, sameFormat: boolean): WireMediaSource | undefined {
  let mediaType: string;
  let data: string;
  switch (s.kind) {
    case 'file_id':
      return sameFormat ? { type: 'file', file_id: s.fileId } : undefined;
    case 'url': {
      if (isHttpUrl(s.url)) return { type: 'url', url: s.url };
      const parsed = parseDataUrl(s.url);
      if (!parsed) return undefined;
      mediaType = parsed.mediaType;
      data = parsed.data;
      break;
    }
    case 'base64':
      mediaType = s.mediaType;
      data = s.data;
      break;
  }
  const mt = mediaType.toLowerCase();
  if (mt === 'application/pdf') return { type: 'base64', media_type: 'application/pdf', data };
  if (mt.startsWith('text/') || mt === 'application/json') {
    return { type: 'text', media_type: 'text/plain', data: Buffer.from(data, 'base64').toString('utf8') };
  }
  return undefined;
}

function toolResultBlock(part: ToolResultPart, sameFormat: boolean): WireToolResultBlock {
  const block: WireToolResultBlock = { type: 'tool_result', tool_use_id: anthropicToolId(part.toolCallId) };
  const content: WireToolResultContent[] = [];
  for (const c of part.content) {
    if (c.type === 'text') {
      if (c.text.trim() !== '') content.push(textBlock(c.text, c.cacheControl));
    } else {
      content.push(mediaBlock(c, sameFormat));
    }
  }
  if (content.length === 1 && content[0].type === 'text' && !content[0].cache_control) block.content = content[0].text;
  else if (content.length > 0) block.content = content;
  if (part.isError) block.is_error = true;
  if (part.cacheControl) block.cache_control = part.cacheControl;
  return block;
}

/**
 * Every tool_result must answer a tool_use of the assistant turn right before it, and every
 * tool_use must be answered in the next turn. Results that answer nothing there become
 * text (their content is kept); calls left unanswered get a stub error result.
 */
function pairToolResults(turns: Turn[]): void {
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i];
    if (turn.role !== 'user') continue;
    const prev = i > 0 ? turns[i - 1] : undefined;
    const ids = prev ? toolUseIds(prev) : [];
    if (ids.length === 0 && turn.results.length === 0) continue;
    const wanted = new Set(ids);
    const answered = new Set<string>();
    const keep: WireToolResultBlock[] = [];
    const orphans: WireBlock[] = [];
    for (const r of turn.results) {
      if (wanted.has(r.tool_use_id) && !answered.has(r.tool_use_id)) {
        answered.add(r.tool_use_id);
        keep.push(r);
      } else {
        orphans.push(...orphanResultBlocks(r));
      }
    }
    for (const id of ids) {
      if (!answered.has(id)) keep.push({ type: 'tool_result', tool_use_id: id, content: MISSING_RESULT_TEXT, is_error: true });
    }
    turn.results = keep;
    if (orphans.length > 0) turn.content.unshift(...orphans);
  }
}

function orphanResultBlocks(r: WireToolResultBlock): WireBlock[] {
  const head = `[result of tool call ${r.tool_use_id}${r.is_error ? ' (error)' : ''}]`;
  if (r.content === undefined) return [{ type: 'text', text: head }];
  if (typeof r.content === 'string') return [{ type: 'text', text: `${head}\n${r.content}` }];
  return [{ type: 'text', text: head }, ...r.content];
}
