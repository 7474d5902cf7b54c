import type { DocumentPart, ImagePart, Message, Request, ToolResultPart } from '../../ir/types.js';
import { badRequest } from '../../util/errors.js';
import { toDataUrl } from '../../util/media.js';
import type { JsonRecord } from './wire.js';

type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }
  | { type: 'file'; file: { file_data?: string; file_id?: string; filename?: string } };

/**
 * Hub messages → Chat Completions messages. One tool message per tool result (tool
 * messages carry text only: images and documents a tool returned follow in one user
 * message after the run of tool messages, since nothing may come between an assistant's
 * tool calls and their answers).
 */
export function convertToOpenAIMessages(req: Request, same: boolean): JsonRecord[] {
  const out: JsonRecord[] = [];
  if (req.system.length > 0) {
    if (same) {
      for (const b of req.system) out.push({ role: b.role ?? 'system', content: b.text });
    } else {
      // Several leading system messages trip some compatible servers' chat templates: join them.
      out.push({ role: 'system', content: req.system.map((b) => b.text).join('\n\n') });
    }
  }

  let pendingMedia: ContentPart[] = [];
  const flushMedia = (): void => {
    if (pendingMedia.length === 0) return;
    out.push({ role: 'user', content: pendingMedia });
    pendingMedia = [];
  };

  for (const m of req.messages) {
    if (m.role === 'tool') {
      for (const p of m.parts) if (p.type === 'tool_result') pushToolMessage(out, p, pendingMedia);
      continue;
    }
    if (m.role === 'user') {
      // A hub user message should not hold tool results, but answer them first if one does.
      let hasResults = false;
      for (const p of m.parts) {
        if (p.type === 'tool_result') {
          pushToolMessage(out, p, pendingMedia);
          hasResults = true;
        }
      }
      flushMedia();
      const content = userContent(m, hasResults);
      if (content !== undefined) {
        const msg: JsonRecord = { role: 'user', content };
        if (m.name) msg.name = m.name;
        out.push(msg);
      }
      continue;
    }
    flushMedia();
    const msg = assistantMessage(m, same);
    if (msg) out.push(msg);
  }
  flushMedia();
  return out;
}

function pushToolMessage(out: JsonRecord[], p: ToolResultPart, media: ContentPart[]): void {
  let text = '';
  let sawMedia = false;
  for (const c of p.content) {
    if (c.type === 'text') {
      text = text === '' ? c.text : text + '\n' + c.text;
    } else {
      if (!sawMedia) {
        media.push({ type: 'text', text: `Attachments returned by tool call ${p.toolCallId}:` });
        sawMedia = true;
      }
      media.push(mediaPart(c));
    }
  }
  // Chat Completions has no error flag on tool messages: the text says it.
  if (p.isError) text = text === '' ? 'Error' : text.startsWith('Error') ? text : 'Error: ' + text;
  out.push({ role: 'tool', tool_call_id: p.toolCallId, content: text });
}

function userContent(m: Message, skipResults: boolean): string | ContentPart[] | undefined {
  const parts = m.parts;
  if (parts.length === 1 && parts[0].type === 'text') return parts[0].text;
  const content: ContentPart[] = [];
  for (const p of parts) {
    if (p.type === 'text') content.push({ type: 'text', text: p.text });
    else if (p.type === 'image' || p.type === 'document') content.push(mediaPart(p));
    // reasoning / tool calls have no place in a user message
  }
  if (content.length === 0) return skipResults ? undefined : '';
  return content;
}

function mediaPart(p: ImagePart | DocumentPart): ContentPart {
  const src = p.source;
  if (p.type === 'image') {
    let url: string;
    if (src.kind === 'base64') url = toDataUrl(src.mediaType, src.data);
    else if (src.kind === 'url') url = src.url;
    else if (src.fileId.startsWith('https://') || src.fileId.startsWith('http://')) url = src.fileId;
    else throw badRequest('Image file references cannot be sent to an OpenAI Chat Completions downstream; send the image data or a URL');
    const image_url: { url: string; detail?: 'auto' | 'low' | 'high' } = { url };
    if (p.detail) image_url.detail = p.detail;
    return { type: 'image_url', image_url };
  }
  const file: { file_data?: string; file_id?: string; filename?: string } = {};
  if (src.kind === 'base64') file.file_data = toDataUrl(src.mediaType, src.data);
  else if (src.kind === 'file_id') file.file_id = src.fileId;
  else throw badRequest('Document URLs cannot be sent to an OpenAI Chat Completions downstream; send the document data or a file id');
  if (p.filename) file.filename = p.filename;
  else if (file.file_data) file.filename = defaultFilename(src.kind === 'base64' ? src.mediaType : '');
  return { type: 'file', file };
}

/** OpenAI wants a filename with file_data; other formats often have none. */
function defaultFilename(mediaType: string): string {
  const slash = mediaType.indexOf('/');
  const sub = slash === -1 ? 'bin' : mediaType.slice(slash + 1);
  return 'document.' + (sub === 'plain' ? 'txt' : sub);
}

function assistantMessage(m: Message, same: boolean): JsonRecord | undefined {
  let text = '';
  let reasoning = '';
  const toolCalls: JsonRecord[] = [];
  for (const p of m.parts) {
    if (p.type === 'text') text += p.text;
    else if (p.type === 'tool_call') {
      toolCalls.push({
        id: p.id,
        type: 'function',
        function: { name: p.name, arguments: p.arguments === '' ? '{}' : p.arguments },
      });
    } else if (p.type === 'reasoning' && same && (p.family ?? 'openai') === 'openai' && p.text) {
      // Only the client that sent reasoning_content knows its provider accepts it back.
      reasoning = reasoning === '' ? p.text : reasoning + '\n\n' + p.text;
    }
  }
  if (text === '' && toolCalls.length === 0 && reasoning === '') return undefined;
  const msg: JsonRecord = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (reasoning) msg.reasoning_content = reasoning;
  if (toolCalls.length > 0) msg.tool_calls = toolCalls;
  if (m.name) msg.name = m.name;
  return msg;
}
