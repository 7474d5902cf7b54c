import { z } from 'zod';
import type { AppContext } from '../app/context.js';
import { createRule, deleteRule, updateRule } from '../config/edits/rules.js';
import { presentRule, presentRules } from './present.js';
import { parseBody } from './validate.js';
import { changeConfig } from './write.js';

const step = z
  .object({
    plugin_id: z.string().min(1, 'must not be empty'),
    config: z.record(z.string(), z.unknown()).optional(),
    is_enabled: z.boolean().optional(),
  })
  .strict();

/** Shapes only; formats and the rest are checked with the whole config. `null` removes a criterion. */
const fields = {
  name: z.string().nullable().optional(),
  pattern_path: z.string().min(1, 'must not be empty').nullable().optional(),
  pattern_models: z.array(z.string().min(1)).nullable().optional(),
  pattern_model: z.string().min(1).nullable().optional(),
  match_format: z.array(z.string()).nullable().optional(),
  match_downstream_format: z.array(z.string()).nullable().optional(),
  match_downstreams: z.array(z.string()).nullable().optional(),
  pipeline_config: z.array(step).optional(),
  is_enabled: z.boolean().optional(),
};

const createBody = z.object({ id: z.string().min(1, 'must not be empty'), ...fields }).strict();
const updateBody = z.object({ id: z.string().optional(), ...fields }).strict();

export function installRuleRoutes(ctx: AppContext): void {
  const r = ctx.adminRouter;
  const validateStep = (pluginId: string, config: unknown) => ctx.plugins.validateConfig(pluginId, config);

  r.get('/api/rules', () => ({ body: presentRules(ctx) }));

  r.post('/api/rules', async (req) => {
    const input = parseBody(createBody, req.body);
    await changeConfig(ctx, (draft, current, scope) => createRule(draft, current, input, validateStep, ctx.config.env, scope));
    return { status: 201, body: presentRule(ctx, input.id) };
  });

  r.get('/api/rules/:id', (req) => ({ body: presentRule(ctx, req.params.id) }));

  r.put('/api/rules/:id', async (req) => {
    const patch = parseBody(updateBody, req.body);
    await changeConfig(ctx, (draft, current, scope) => updateRule(draft, current, req.params.id, patch, validateStep, ctx.config.env, scope));
    return { body: presentRule(ctx, req.params.id) };
  });

  r.delete('/api/rules/:id', async (req) => {
    const result = await changeConfig(ctx, (draft, current) => deleteRule(draft, current, req.params.id));
    return { body: result };
  });
}
