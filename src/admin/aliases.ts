import { z } from 'zod';
import type { AppContext } from '../app/context.js';
import { activateOption, createOption, deleteGroup, deleteOption, reorderGroups, updateOption } from '../config/edits/aliases.js';
import { presentAliases, presentOption } from './present.js';
import { parseBody } from './validate.js';
import { changeConfig } from './write.js';

const createBody = z
  .object({
    id: z.string().min(1, 'must not be empty').optional(),
    input_model_id: z.string().min(1, 'must not be empty'),
    downstream_id: z.string().min(1, 'must not be empty'),
    output_model_id: z.string().min(1, 'must not be empty'),
    is_regex: z.boolean().optional(),
    fallback: z.boolean().optional(),
    activate: z.boolean().optional(),
  })
  .strict();

const updateBody = z
  .object({
    id: z.string().optional(),
    input_model_id: z.string().min(1, 'must not be empty').optional(),
    downstream_id: z.string().min(1, 'must not be empty').optional(),
    output_model_id: z.string().min(1, 'must not be empty').optional(),
    is_regex: z.boolean().optional(),
    fallback: z.boolean().optional(),
    is_active: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.id === undefined, { message: 'an alias option id cannot be changed', path: ['id'] });

const reorderBody = z.object({ order: z.array(z.string()) }).strict();

export function installAliasRoutes(ctx: AppContext): void {
  const r = ctx.adminRouter;

  r.get('/api/aliases', () => ({ body: presentAliases(ctx) }));

  r.post('/api/aliases', async (req) => {
    const input = parseBody(createBody, req.body);
    const option = await changeConfig(ctx, (draft, current, scope) => createOption(draft, current, input, scope));
    return { status: 201, body: presentOption(ctx, String(option.id)) };
  });

  r.post('/api/aliases/reorder', async (req) => {
    const { order } = parseBody(reorderBody, req.body);
    await changeConfig(ctx, (draft) => reorderGroups(draft, order));
    return { body: presentAliases(ctx) };
  });

  r.delete('/api/aliases/group/:input', async (req) => {
    const result = await changeConfig(ctx, (draft) => deleteGroup(draft, req.params.input));
    return { body: result };
  });

  r.get('/api/aliases/:id', (req) => ({ body: presentOption(ctx, req.params.id) }));

  r.put('/api/aliases/:id', async (req) => {
    const patch = parseBody(updateBody, req.body);
    await changeConfig(ctx, (draft, current, scope) => updateOption(draft, current, req.params.id, patch, scope));
    return { body: presentOption(ctx, req.params.id) };
  });

  r.delete('/api/aliases/:id', async (req) => {
    const result = await changeConfig(ctx, (draft) => deleteOption(draft, req.params.id));
    return { body: result };
  });

  /** The hot switch: written to the file and applied before this answers; the next request uses it. */
  r.put('/api/aliases/:id/activate', async (req) => {
    const { previous_id } = await changeConfig(ctx, (draft) => activateOption(draft, req.params.id));
    return { body: { ...presentOption(ctx, req.params.id), previous_id: previous_id ?? null } };
  });
}
