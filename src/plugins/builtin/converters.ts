import { z } from 'zod';
import { FORMAT_IDS, type FormatId } from '../../ir/types.js';
import type { PluginDefinition } from '../types.js';

const SHORT: Record<FormatId, string> = { openai: 'openai', openai_responses: 'responses', anthropic: 'anthropic', gemini: 'gemini' };
const LABEL: Record<FormatId, string> = {
  openai: 'OpenAI Chat Completions',
  openai_responses: 'OpenAI Responses',
  anthropic: 'Anthropic Messages',
  gemini: 'Google Gemini',
};

export const converterConfigSchema = z
  .object({
    model_map: z.record(z.string(), z.string()).optional().describe('Outgoing model names to replace, e.g. {"gpt-4o": "claude-sonnet-4-20250514"}'),
  })
  .strict();

export type ConverterConfig = z.infer<typeof converterConfigSchema>;

/**
 * One converter config out of every step naming it (in rule priority order): the converter
 * runs once, with the model_maps combined; where two name the same model, the first wins.
 */
export function mergeConverterConfigs(configs: readonly unknown[]): ConverterConfig {
  const maps = configs.map((c) => converterConfigSchema.parse(c ?? {}).model_map).filter((m) => m !== undefined);
  if (maps.length === 0) return {};
  return { model_map: Object.assign({}, ...maps.reverse()) as Record<string, string> };
}

export function converterId(from: FormatId, to: FormatId): string {
  return `${SHORT[from]}2${SHORT[to]}`;
}

/**
 * The twelve converters. Each is a composition through the hub: the client format's decoder
 * and the downstream format's encoder (and back for responses); the gateway applies it
 * automatically when the formats differ, and a rule naming it only adds its config.
 */
export function converterPlugins(): PluginDefinition<ConverterConfig>[] {
  const out: PluginDefinition<ConverterConfig>[] = [];
  for (const from of FORMAT_IDS) {
    for (const to of FORMAT_IDS) {
      if (from === to) continue;
      out.push({
        id: converterId(from, to),
        description: `Converts ${LABEL[from]} requests to ${LABEL[to]} and the responses (streams included) back. Optional model_map renames the outgoing model.`,
        configSchema: converterConfigSchema,
        kind: 'converter',
        from,
        to,
        touchesBody: true,
        create(config) {
          const map = config.model_map;
          if (!map || Object.keys(map).length === 0) return {};
          return {
            request(req, ctx) {
              req.model = map[req.model] ?? map[ctx.model] ?? req.model;
            },
          };
        },
      });
    }
  }
  return out;
}
