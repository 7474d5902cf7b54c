import type { JsonObject } from './wire.js';

/**
 * Google's JSON mapping of protobuf accepts both the lowerCamel JSON name and the original
 * snake_case field name (the REST docs' curl samples use `system_instruction`, `inline_data`,
 * `function_declarations`...), so a client request may use either. Only message field names
 * are aliased, never user data (args, response, schema property names, labels).
 *
 * Snake-case aliases of the camelCase field names this module reads:
 */
export const SNAKE: Readonly<Record<string, string>> = {
  systemInstruction: 'system_instruction',
  toolConfig: 'tool_config',
  generationConfig: 'generation_config',
  safetySettings: 'safety_settings',
  cachedContent: 'cached_content',
  functionDeclarations: 'function_declarations',
  functionCallingConfig: 'function_calling_config',
  allowedFunctionNames: 'allowed_function_names',
  parametersJsonSchema: 'parameters_json_schema',
  inlineData: 'inline_data',
  fileData: 'file_data',
  mimeType: 'mime_type',
  fileUri: 'file_uri',
  functionCall: 'function_call',
  functionResponse: 'function_response',
  thoughtSignature: 'thought_signature',
  executableCode: 'executable_code',
  codeExecutionResult: 'code_execution_result',
  topP: 'top_p',
  topK: 'top_k',
  maxOutputTokens: 'max_output_tokens',
  stopSequences: 'stop_sequences',
  candidateCount: 'candidate_count',
  presencePenalty: 'presence_penalty',
  frequencyPenalty: 'frequency_penalty',
  responseMimeType: 'response_mime_type',
  responseSchema: 'response_schema',
  responseJsonSchema: 'response_json_schema',
  thinkingConfig: 'thinking_config',
  includeThoughts: 'include_thoughts',
  thinkingBudget: 'thinking_budget',
  thinkingLevel: 'thinking_level',
};

/** The camelCase name of a field given in either spelling. */
export function camelName(key: string): string {
  return CAMEL[key] ?? key;
}

const CAMEL: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(SNAKE).map(([c, s]) => [s, c]));

/** Read a camelCase field, accepting its snake_case alias. */
export function get(obj: JsonObject, camel: string): unknown {
  const v = obj[camel];
  if (v !== undefined) return v;
  const snake = SNAKE[camel];
  return snake === undefined ? undefined : obj[snake];
}
