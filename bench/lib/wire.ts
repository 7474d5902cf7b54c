/**
 * What the benchmark sends and what the mock provider answers, in each of the four wire
 * formats. Shapes follow the recorded provider fixtures in test/fixtures/recorded/ so the
 * gateway's decoders do their real work; sizes are those of a short chat turn.
 */

export type Wire = 'openai' | 'openai_responses' | 'anthropic' | 'gemini';
export const WIRES: readonly Wire[] = ['openai', 'openai_responses', 'anthropic', 'gemini'];

/** Short names used in case ids and model names. */
export const SHORT: Record<Wire, string> = { openai: 'openai', openai_responses: 'responses', anthropic: 'anthropic', gemini: 'gemini' };

/** The text of the first content chunk of every mock stream: the TTFT client looks for it. */
export const FIRST_TOKEN = 'Hello';
export const REPLY_TEXT = 'Hello! This is the benchmark mock speaking; the answer is short and the same every time.';
const USAGE = { input: 42, output: 17 };

const SYSTEM = 'You are a helpful assistant. Answer briefly and precisely; use plain text without markdown.';
const USER = 'In two sentences, what does an API gateway add to every request, and why does that overhead matter?';

export interface ClientRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A typical small chat request from an app speaking `wire`, for `model`. */
export function clientRequest(wire: Wire, model: string, stream: boolean): ClientRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  switch (wire) {
    case 'openai': {
      const body: Record<string, unknown> = {
        model,
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: USER },
        ],
        max_tokens: 256,
        temperature: 0.7,
      };
      if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
      headers.authorization = 'Bearer sk-bench-client-key';
      return { path: '/v1/chat/completions', headers, body: JSON.stringify(body) };
    }
    case 'openai_responses': {
      const body: Record<string, unknown> = {
        model,
        instructions: SYSTEM,
        input: [{ role: 'user', content: USER }],
        max_output_tokens: 256,
        temperature: 0.7,
      };
      if (stream) body.stream = true;
      headers.authorization = 'Bearer sk-bench-client-key';
      return { path: '/v1/responses', headers, body: JSON.stringify(body) };
    }
    case 'anthropic': {
      const body: Record<string, unknown> = { model, system: SYSTEM, messages: [{ role: 'user', content: USER }], max_tokens: 256, temperature: 0.7 };
      if (stream) body.stream = true;
      headers['x-api-key'] = 'sk-bench-client-key';
      headers['anthropic-version'] = '2023-06-01';
      return { path: '/v1/messages', headers, body: JSON.stringify(body) };
    }
    case 'gemini': {
      const body = {
        systemInstruction: { parts: [{ text: SYSTEM }] },
        contents: [{ role: 'user', parts: [{ text: USER }] }],
        generationConfig: { maxOutputTokens: 256, temperature: 0.7 },
      };
      headers['x-goog-api-key'] = 'sk-bench-client-key';
      const action = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
      return { path: `/v1beta/models/${encodeURIComponent(model)}:${action}`, headers, body: JSON.stringify(body) };
    }
  }
}

/** A substring that only the last event of a complete stream in `wire` carries. */
export function streamEndMarker(wire: Wire): string {
  switch (wire) {
    case 'openai':
      return '[DONE]';
    case 'openai_responses':
      return 'response.completed';
    case 'anthropic':
      return 'message_stop';
    case 'gemini':
      return 'finishReason';
  }
}

// ---------------------------------------------------------------------------------------
// Mock provider answers

/** Content of chunk i of a streamed answer (chunk 0 is FIRST_TOKEN). */
export function chunkText(i: number): string {
  return i === 0 ? FIRST_TOKEN : ` tok${i}`;
}

export function jsonAnswer(wire: Wire, model: string): string {
  switch (wire) {
    case 'openai':
      return JSON.stringify({
        id: 'chatcmpl-bench0000000000000000000000',
        object: 'chat.completion',
        created: 1770933883,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: REPLY_TEXT, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: USAGE.input,
          completion_tokens: USAGE.output,
          total_tokens: USAGE.input + USAGE.output,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        },
        service_tier: 'default',
        system_fingerprint: 'fp_bench0000',
      });
    case 'openai_responses':
      return JSON.stringify({
        ...responsesEnvelope(model, 'completed'),
        output: [responsesMessage(REPLY_TEXT)],
        usage: responsesUsage(),
      });
    case 'anthropic':
      return JSON.stringify({
        id: 'msg_bench00000000000000000000',
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: REPLY_TEXT }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: USAGE.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: USAGE.output, service_tier: 'standard' },
      });
    case 'gemini':
      return JSON.stringify({
        candidates: [{ content: { parts: [{ text: REPLY_TEXT }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: geminiUsage(),
        modelVersion: model,
        responseId: 'benchResponse000000',
      });
  }
}

/**
 * A streamed answer as wire frames: `head` goes out with the response headers, `chunks[i]`
 * carries content chunk i, `tail` ends the stream. The mock spaces the chunks by its delay.
 */
export interface StreamAnswer {
  head: string;
  chunks: string[];
  tail: string;
}

export function streamAnswer(wire: Wire, model: string, chunkCount: number, includeUsage: boolean): StreamAnswer {
  const texts = Array.from({ length: chunkCount }, (_, i) => chunkText(i));
  const full = texts.join('');
  switch (wire) {
    case 'openai': {
      const base = {
        id: 'chatcmpl-bench0000000000000000000000',
        object: 'chat.completion.chunk',
        created: 1770933892,
        model,
        service_tier: 'default',
        system_fingerprint: 'fp_bench0000',
      };
      const frame = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
      const head = frame({
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }],
        usage: null,
      });
      const chunks = texts.map((t) => frame({ ...base, choices: [{ index: 0, delta: { content: t }, logprobs: null, finish_reason: null }], usage: null }));
      let tail = frame({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null });
      if (includeUsage) {
        tail += frame({
          ...base,
          choices: [],
          usage: {
            prompt_tokens: USAGE.input,
            completion_tokens: chunkCount,
            total_tokens: USAGE.input + chunkCount,
            prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
          },
        });
      }
      tail += 'data: [DONE]\n\n';
      return { head, chunks, tail };
    }
    case 'anthropic': {
      const frame = (o: { type: string }) => `event: ${o.type}\ndata: ${JSON.stringify(o)}\n\n`;
      const head =
        frame({
          type: 'message_start',
          message: {
            model,
            id: 'msg_bench00000000000000000000',
            type: 'message',
            role: 'assistant',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: USAGE.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: 'standard' },
          },
        } as { type: string }) +
        frame({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as { type: string }) +
        frame({ type: 'ping' });
      const chunks = texts.map((t) => frame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } } as { type: string }));
      const tail =
        frame({ type: 'content_block_stop', index: 0 } as { type: string }) +
        frame({
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { input_tokens: USAGE.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: chunkCount },
        } as { type: string }) +
        frame({ type: 'message_stop' });
      return { head, chunks, tail };
    }
    case 'gemini': {
      // Gemini frames its SSE with CRLF; usage rides on every chunk, the last one has the finish.
      const frame = (o: unknown) => `data: ${JSON.stringify(o)}\r\n\r\n`;
      const chunks = texts.map((t, i) =>
        frame({
          candidates: [{ content: { parts: [{ text: t }], role: 'model' }, ...(i === chunkCount - 1 ? { finishReason: 'STOP' } : {}), index: 0 }],
          usageMetadata: geminiUsage(i + 1),
          modelVersion: model,
          responseId: 'benchResponse000000',
        }),
      );
      return { head: '', chunks, tail: '' };
    }
    case 'openai_responses': {
      let seq = 0;
      const frame = (o: Record<string, unknown>) => `event: ${String(o.type)}\ndata: ${JSON.stringify({ type: o.type, sequence_number: seq++, ...o })}\n\n`;
      const itemId = 'msg_bench0000000000000000000000000000';
      const head =
        frame({ type: 'response.created', response: { ...responsesEnvelope(model, 'in_progress'), output: [], usage: null } }) +
        frame({ type: 'response.in_progress', response: { ...responsesEnvelope(model, 'in_progress'), output: [], usage: null } }) +
        frame({
          type: 'response.output_item.added',
          output_index: 0,
          item: { id: itemId, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
        }) +
        frame({
          type: 'response.content_part.added',
          item_id: itemId,
          output_index: 0,
          content_index: 0,
          part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
        });
      const chunks = texts.map((t) =>
        frame({ type: 'response.output_text.delta', item_id: itemId, output_index: 0, content_index: 0, delta: t, logprobs: [] }),
      );
      const tail =
        frame({ type: 'response.output_text.done', item_id: itemId, output_index: 0, content_index: 0, text: full, logprobs: [] }) +
        frame({
          type: 'response.content_part.done',
          item_id: itemId,
          output_index: 0,
          content_index: 0,
          part: { type: 'output_text', annotations: [], logprobs: [], text: full },
        }) +
        frame({ type: 'response.output_item.done', output_index: 0, item: responsesMessage(full) }) +
        frame({
          type: 'response.completed',
          response: { ...responsesEnvelope(model, 'completed'), output: [responsesMessage(full)], usage: responsesUsage(chunkCount) },
        });
      return { head, chunks, tail };
    }
  }
}

function responsesEnvelope(model: string, status: string): Record<string, unknown> {
  return {
    id: 'resp_bench000000000000000000000000000000',
    object: 'response',
    created_at: 1770803606,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: 256,
    model,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 0.7,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    metadata: {},
  };
}

function responsesMessage(text: string): Record<string, unknown> {
  return {
    id: 'msg_bench0000000000000000000000000000',
    type: 'message',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', annotations: [], logprobs: [], text }],
  };
}

function responsesUsage(output = USAGE.output): Record<string, unknown> {
  return {
    input_tokens: USAGE.input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: USAGE.input + output,
  };
}

function geminiUsage(output = USAGE.output): Record<string, unknown> {
  return {
    promptTokenCount: USAGE.input,
    candidatesTokenCount: output,
    totalTokenCount: USAGE.input + output,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: USAGE.input }],
  };
}
