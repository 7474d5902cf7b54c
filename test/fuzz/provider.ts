/**
 * The strict mock provider as the fuzz runs use it: it validates every converted request and
 * answers with varied replies (text, reasoning, tool calls for the request's own tools, a
 * length stop), so the response converters are fuzzed along with the request ones.
 */
import type { FormatId } from '../../src/ir/types.js';
import type { MockAction, ReceivedRequest } from '../mocks/server.js';
import { isRec } from '../resilience/client-shapes.js';

/** The first tool name a request declares, in its own format. */
function firstToolName(format: FormatId, body: Record<string, unknown>): string | undefined {
  const tools = body.tools;
  if (!Array.isArray(tools) || tools.length === 0 || !isRec(tools[0])) return undefined;
  const t = tools[0];
  if (format === 'openai') return isRec(t.function) && typeof t.function.name === 'string' ? t.function.name : undefined;
  if (format === 'gemini') {
    const decls = t.functionDeclarations;
    return Array.isArray(decls) && isRec(decls[0]) && typeof decls[0].name === 'string' ? decls[0].name : undefined;
  }
  return typeof t.name === 'string' ? t.name : undefined;
}

/** A responder cycling through reply kinds. */
export function variedReplies(): (r: ReceivedRequest) => MockAction {
  let n = 0;
  return (r) => {
    const model = typeof r.body.model === 'string' ? r.body.model : 'mock-model';
    const usage = { input: 12, output: 7, cacheRead: n % 3, reasoning: n % 2 };
    switch (n++ % 4) {
      case 0:
        return { model, text: 'Hello from the fuzz provider.', usage };
      case 1:
        return { model, text: 'Thought first.', reasoning: 'thinking it over', usage };
      case 2: {
        const name = firstToolName(r.format, r.body);
        return name
          ? { model, toolCalls: [{ id: `call_fz${n}`, name, arguments: { q: 'x', n } }], finish: 'tool_calls', usage }
          : { model, text: 'no tools', usage };
      }
      default:
        return { model, text: 'cut short', finish: 'length', usage };
    }
  };
}
