import { z } from 'zod';
import type { Usage } from '../../ir/types.js';
import { estimateRequestTokens, estimateTextTokens } from '../../util/tokens.js';
import type { PluginDefinition, PluginContext } from '../types.js';

const schema = z.object({}).strict();

/**
 * Some Anthropic-compatible providers omit usage or report zeros. Fill what is missing with
 * local estimates so clients and statistics see plausible counts; reported values are kept.
 */
export const fixAnthropicUsagePlugin: PluginDefinition<z.infer<typeof schema>> = {
  id: 'fix_anthropic_usage',
  description: 'Fills usage fields (input/output tokens) that some Anthropic-compatible providers omit, with local token estimates.',
  configSchema: schema,
  kind: 'transform',
  touchesBody: true,
  create() {
    let outputText = '';
    let seen: Partial<Usage> = {};
    return {
      response(res, ctx) {
        const text = res.parts.map((p) => (p.type === 'text' || p.type === 'reasoning' ? p.text : p.type === 'tool_call' ? p.arguments : '')).join('');
        res.usage = filled(res.usage ?? {}, ctx, text);
      },
      streamEvent(ev, ctx) {
        if (ev.type === 'text') outputText += ev.text;
        else if (ev.type === 'reasoning' && ev.text) outputText += ev.text;
        else if (ev.type === 'tool_call' && ev.argumentsDelta) outputText += ev.argumentsDelta;
        else if (ev.type === 'start' && ev.usage) seen = { ...seen, ...ev.usage };
        else if (ev.type === 'usage') seen = { ...seen, ...ev.usage };
        else if (ev.type === 'finish') {
          return { ...ev, usage: filled({ ...seen, ...ev.usage }, ctx, outputText) };
        }
        return ev;
      },
    };
  },
};

function filled(u: Partial<Usage>, ctx: PluginContext, outputText: string): Usage {
  const inputTokens = u.inputTokens || (ctx.request ? estimateRequestTokens(ctx.request) : 0);
  const outputTokens = u.outputTokens || estimateTextTokens(outputText);
  return { ...u, inputTokens, outputTokens };
}
