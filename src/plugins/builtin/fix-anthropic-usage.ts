import { z } from 'zod';
import type { StreamEvent, Usage } from '../../ir/types.js';
import { estimateRequestTokens, estimateTextTokens } from '../../util/tokens.js';
import type { PluginDefinition, PluginContext } from '../types.js';

const schema = z.object({}).strict();

/** What one stream has shown so far: the text generated and the usage the provider reported. */
interface StreamState {
  outputText: string;
  seen: Partial<Usage>;
}

/**
 * Some Anthropic-compatible providers omit usage or report zeros. Fill what is missing with
 * local estimates so clients and statistics see plausible counts; reported values are kept.
 */
export const fixAnthropicUsagePlugin: PluginDefinition<z.infer<typeof schema>> = {
  id: 'fix_anthropic_usage',
  description: 'Fills usage fields (input/output tokens) that some Anthropic-compatible providers omit or report as zero, with local token estimates.',
  configSchema: schema,
  kind: 'transform',
  touchesBody: true,
  create() {
    // One instance serves every request of its pipeline: stream state lives per request.
    const streams = new WeakMap<PluginContext, StreamState>();
    return {
      response(res, ctx) {
        const text = res.parts.map((p) => (p.type === 'text' || p.type === 'reasoning' ? p.text : p.type === 'tool_call' ? p.name + p.arguments : '')).join('');
        res.usage = filled(res.usage ?? {}, ctx, text);
      },
      streamEvent(ev, ctx) {
        let st = streams.get(ctx);
        if (!st) streams.set(ctx, (st = { outputText: '', seen: {} }));
        st.outputText += generatedText(ev);
        if (ev.type === 'start') {
          // clients that read the prompt size at the start (Anthropic's message_start) get it there
          const usage = { ...ev.usage, inputTokens: ev.usage?.inputTokens || (ctx.request ? estimateRequestTokens(ctx.request) : 0) };
          st.seen = { ...st.seen, ...usage };
          return { ...ev, usage };
        }
        if (ev.type === 'usage') st.seen = { ...st.seen, ...ev.usage };
        else if (ev.type === 'finish') return { ...ev, usage: filled({ ...st.seen, ...ev.usage }, ctx, st.outputText) };
        return ev;
      },
    };
  },
};

function generatedText(ev: StreamEvent): string {
  if (ev.type === 'text') return ev.text;
  if (ev.type === 'reasoning') return ev.text ?? '';
  if (ev.type === 'tool_call') return (ev.name ?? '') + (ev.argumentsDelta ?? '');
  return '';
}

function filled(u: Partial<Usage>, ctx: PluginContext, outputText: string): Usage {
  const inputTokens = u.inputTokens || (ctx.request ? estimateRequestTokens(ctx.request) : 0);
  const outputTokens = u.outputTokens || estimateTextTokens(outputText);
  return { ...u, inputTokens, outputTokens };
}
