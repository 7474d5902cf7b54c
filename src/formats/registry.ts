import type { FormatId } from '../ir/types.js';
import type { FormatModule } from './types.js';
import { openaiFormat } from './openai/index.js';
import { responsesFormat } from './responses/index.js';
import { anthropicFormat } from './anthropic/index.js';
import { geminiFormat } from './gemini/index.js';

const FORMATS: Record<FormatId, FormatModule> = {
  openai: openaiFormat,
  openai_responses: responsesFormat,
  anthropic: anthropicFormat,
  gemini: geminiFormat,
};

export function formatModule(id: FormatId): FormatModule {
  return FORMATS[id];
}
