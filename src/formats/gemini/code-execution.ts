import { get } from './fields.js';
import { isObject, type JsonObject } from './wire.js';

/**
 * Gemini's hosted code execution yields executableCode / codeExecutionResult parts. No other
 * format has them; as fenced text they keep their meaning for any client or model.
 */
export function codeExecutionText(part: JsonObject): string | undefined {
  const code = get(part, 'executableCode');
  if (isObject(code)) {
    const lang = typeof code.language === 'string' && code.language !== 'LANGUAGE_UNSPECIFIED' ? code.language.toLowerCase() : '';
    return `\`\`\`${lang}\n${typeof code.code === 'string' ? code.code : ''}\n\`\`\``;
  }
  const result = get(part, 'codeExecutionResult');
  if (isObject(result)) {
    const output = `\`\`\`\n${typeof result.output === 'string' ? result.output : ''}\n\`\`\``;
    const outcome = typeof result.outcome === 'string' ? result.outcome : 'OUTCOME_OK';
    return outcome === 'OUTCOME_OK' ? output : `Code execution failed (${outcome}):\n${output}`;
  }
  return undefined;
}
