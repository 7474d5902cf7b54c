import { z } from 'zod';
import type { AppContext } from '../app/context.js';
import { addModel, addModels, createDownstream, deleteDownstream, removeModel, updateDownstream } from '../config/edits/downstreams.js';
import { discoverModels } from './model-discovery.js';
import { presentDownstream, presentDownstreams } from './present.js';
import { ApiError } from './router.js';
import { parseBody } from './validate.js';
import { changeConfig } from './write.js';

/**
 * Field shapes only; values are checked by the config schema when the change is validated
 * (so the API and the file accept exactly the same things). `null` removes an optional field.
 */
const fields = {
  name: z.string().nullable().optional(),
  api_formats: z.array(z.string()).optional(),
  base_url: z.string().optional(),
  format_urls: z.record(z.string(), z.string()).nullable().optional(),
  api_key: z.string().nullable().optional(),
  api_keys: z.array(z.string()).nullable().optional(),
  headers: z.record(z.string(), z.string()).nullable().optional(),
  timeouts: z.record(z.string(), z.number()).nullable().optional(),
  auto_cache: z.boolean().nullable().optional(),
  output_model_ids: z.array(z.string()).optional(),
  is_enabled: z.boolean().nullable().optional(),
};

const createBody = z.object({ id: z.string().min(1, 'must not be empty'), ...fields, api_formats: z.array(z.string()), base_url: z.string() }).strict();
const updateBody = z.object({ id: z.string().optional(), ...fields }).strict();
const modelBody = z.object({ model_id: z.string().min(1, 'must not be empty') }).strict();
const fetchBody = z.object({ add: z.union([z.boolean(), z.array(z.string().min(1))]).optional() }).strict();

export function installDownstreamRoutes(ctx: AppContext): void {
  const r = ctx.adminRouter;

  r.get('/api/downstreams', () => ({ body: presentDownstreams(ctx) }));

  r.post('/api/downstreams', async (req) => {
    const input = parseBody(createBody, req.body);
    await changeConfig(ctx, (draft, current, scope) => createDownstream(draft, current, input, scope));
    return { status: 201, body: presentDownstream(ctx, input.id) };
  });

  r.get('/api/downstreams/:id', (req) => ({ body: presentDownstream(ctx, req.params.id) }));

  r.put('/api/downstreams/:id', async (req) => {
    const patch = parseBody(updateBody, req.body);
    await changeConfig(ctx, (draft, current, scope) => updateDownstream(draft, current, req.params.id, patch, scope));
    return { body: presentDownstream(ctx, req.params.id) };
  });

  r.delete('/api/downstreams/:id', async (req) => {
    const result = await changeConfig(ctx, (draft, current) => deleteDownstream(draft, current, req.params.id));
    return { body: result };
  });

  r.post('/api/downstreams/:id/models', async (req) => {
    const { model_id } = parseBody(modelBody, req.body);
    const models = await changeConfig(ctx, (draft, current) => addModel(draft, current, req.params.id, model_id));
    return { status: 201, body: { id: req.params.id, output_model_ids: models } };
  });

  r.delete('/api/downstreams/:id/models/:model', async (req) => {
    const models = await changeConfig(ctx, (draft, current) => removeModel(draft, current, req.params.id, req.params.model));
    return { body: { id: req.params.id, output_model_ids: models } };
  });

  /**
   * Ask the provider which models it serves. Nothing is added unless the body says so:
   * `{"add": true}` adds every discovered id not yet listed, `{"add": ["m1", "m2"]}` those.
   */
  r.post('/api/downstreams/:id/fetch-models', async (req) => {
    const { add } = parseBody(fetchBody, req.body);
    const ds = ctx.config.current.downstreams.find((d) => d.id === req.params.id);
    if (!ds) throw new ApiError(404, `no downstream "${req.params.id}"`, 'id');
    const found = await discoverModels(ds, ctx.config.current.proxy_mode);
    let wanted: string[] = [];
    if (add === true) wanted = found.models;
    else if (Array.isArray(add)) {
      const unknown = add.find((m) => !found.models.includes(m));
      if (unknown !== undefined) throw new ApiError(400, `the provider did not list model "${unknown}"`, 'add');
      wanted = add;
    }
    const added = wanted.length ? await changeConfig(ctx, (draft, current) => addModels(draft, current, ds.id, wanted)) : [];
    const listed = ctx.config.current.downstreams.find((d) => d.id === ds.id)?.output_model_ids ?? [];
    return { body: { id: ds.id, format: found.format, url: found.url, models: found.models, added, output_model_ids: listed } };
  });
}
