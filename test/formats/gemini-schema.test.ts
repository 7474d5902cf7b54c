import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromGeminiSchema, toGeminiParameters, toGeminiSchema } from '../../src/formats/gemini/index.js';
import { geminiMock } from '../mocks/gemini.js';

/** A schema as MCP servers / zod-to-json-schema emit them: everything Gemini's Schema lacks. */
const RICH_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://example.com/create-event.json',
  title: 'CreateEvent',
  type: 'object',
  additionalProperties: false,
  $defs: {
    Person: {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        email: { type: 'string', format: 'email' },
        manager: { $ref: '#/$defs/Person' },
      },
      required: ['name'],
      additionalProperties: false,
    },
  },
  definitions: { Priority: { type: 'string', enum: ['low', 'high'] } },
  properties: {
    title: { type: 'string', description: 'Event title', default: 'Untitled', examples: ['Standup'] },
    start: { type: 'string', format: 'date-time' },
    url: { type: 'string', format: 'uri', pattern: '^https://' },
    kind: { const: 'meeting' },
    version: { const: 2 },
    level: { enum: [1, 2, 3], type: 'integer' },
    duration: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 480, multipleOf: 5 },
    notes: { type: ['string', 'null'] },
    mixed: { type: ['string', 'number'], description: 'either' },
    organizer: { $ref: '#/$defs/Person', description: 'who organizes' },
    attendees: { type: 'array', items: { $ref: '#/$defs/Person' }, minItems: 1, uniqueItems: true },
    priority: { $ref: '#/definitions/Priority' },
    location: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    unit: { anyOf: [{ const: 'C', description: 'Celsius' }, { const: 'F' }, { type: 'null' }] },
    reminder: {
      oneOf: [
        { type: 'object', properties: { minutes: { type: 'integer' } }, required: ['minutes'] },
        { type: 'object', properties: { at: { type: 'string', format: 'date-time' } }, required: ['at'] },
      ],
    },
    meta: { type: 'object', patternProperties: { '^x-': { type: 'string' } }, additionalProperties: { type: 'string' } },
    flags: { type: 'object', properties: {} },
    extended: { allOf: [{ $ref: '#/$defs/Person' }, { type: 'object', properties: { team: { type: 'string' } }, required: ['team'] }] },
    tuple: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] },
    anything: {},
    never: { not: { type: 'string' } },
  },
  required: ['title', 'start', 'ghost'],
};

test('toGeminiSchema: a rich JSON schema becomes a Schema the API accepts', () => {
  const params = toGeminiParameters(RICH_SCHEMA);
  assert.ok(params);
  const errors = geminiMock.validateRequest(
    { contents: [{ role: 'user', parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [{ name: 'create_event', parameters: params }] }] },
    { 'x-goog-api-key': 'k' },
    '/v1beta/models/gemini-2.5-flash:generateContent',
  );
  assert.deepEqual(errors, []);
  const raw = geminiMock.validateRequest(
    { contents: [{ role: 'user', parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [{ name: 'create_event', parameters: RICH_SCHEMA }] }] },
    { 'x-goog-api-key': 'k' },
    '/v1beta/models/gemini-2.5-flash:generateContent',
  );
  for (const key of ['$schema', 'additionalProperties', 'patternProperties', 'exclusiveMinimum', 'const', '$ref', 'oneOf', 'allOf']) {
    assert.ok(
      raw.some((e) => e.includes(`"${key}"`)),
      `the mock rejects the raw schema's ${key}`,
    );
  }

  const p = params.properties as Record<string, Record<string, unknown>>;
  assert.equal(params.type, 'OBJECT');
  assert.deepEqual(params.required, ['title', 'start'], 'required names without a property are dropped');
  assert.deepEqual(p.title, { type: 'STRING', description: 'Event title' });
  assert.deepEqual(p.start, { type: 'STRING', format: 'date-time' });
  assert.deepEqual(p.url, { type: 'STRING', pattern: '^https://' });
  assert.deepEqual(p.kind, { type: 'STRING', enum: ['meeting'] });
  assert.deepEqual(p.version, { type: 'INTEGER', description: 'Allowed values: 2' });
  assert.deepEqual(p.level, { type: 'INTEGER', description: 'Allowed values: 1, 2, 3' });
  assert.deepEqual(p.duration, { type: 'NUMBER', minimum: 0, maximum: 480 });
  assert.deepEqual(p.notes, { type: 'STRING', nullable: true });
  assert.deepEqual(p.mixed, { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }], description: 'either' });
  assert.equal(p.organizer.type, 'OBJECT');
  assert.equal(p.organizer.description, 'who organizes');
  const organizerProps = p.organizer.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(organizerProps.name, { type: 'STRING', minLength: 1 });
  assert.deepEqual(organizerProps.email, { type: 'STRING' }, 'unsupported string formats are dropped');
  assert.deepEqual(organizerProps.manager, { type: 'OBJECT' }, 'recursive $ref is cut off');
  assert.equal((p.attendees.items as Record<string, unknown>).type, 'OBJECT');
  assert.equal(p.attendees.minItems, 1);
  assert.deepEqual(p.priority, { type: 'STRING', enum: ['low', 'high'] });
  assert.deepEqual(p.location, { type: 'STRING', nullable: true });
  assert.deepEqual(p.unit, { type: 'STRING', enum: ['C', 'F'], nullable: true });
  assert.equal((p.reminder.anyOf as unknown[]).length, 2);
  assert.deepEqual(p.meta, { type: 'OBJECT' });
  assert.deepEqual(p.flags, { type: 'OBJECT' });
  assert.deepEqual(Object.keys(p.extended.properties as object).sort(), ['email', 'manager', 'name', 'team']);
  assert.deepEqual(p.extended.required, ['name', 'team']);
  assert.deepEqual(p.tuple, { type: 'ARRAY', items: { type: 'STRING' } });
  assert.deepEqual(p.anything, { type: 'STRING' });
  assert.deepEqual(p.never, { type: 'STRING' });
});

test('toGeminiParameters: a tool without arguments has no parameters at all', () => {
  assert.equal(toGeminiParameters({ type: 'object', properties: {} }), undefined);
  assert.equal(toGeminiParameters({ type: 'object', additionalProperties: false }), undefined);
  assert.equal(toGeminiParameters(undefined), undefined);
  assert.deepEqual(toGeminiSchema({ type: 'array' }), { type: 'ARRAY', items: { type: 'STRING' } });
});

test('fromGeminiSchema: SDK-style upper-case schema → lower-case JSON schema', () => {
  assert.deepEqual(
    fromGeminiSchema({
      type: 'OBJECT',
      properties: {
        color: { type: 'STRING', format: 'enum', enum: ['red', 'blue'], nullable: true },
        tags: { type: 'ARRAY', items: { type: 'STRING' }, max_items: '3' },
        choice: { any_of: [{ type: 'INTEGER' }, { type: 'BOOLEAN' }], nullable: true },
      },
      required: ['color'],
      propertyOrdering: ['color', 'tags'],
      example: { color: 'red' },
    }),
    {
      type: 'object',
      properties: {
        color: { type: ['string', 'null'], enum: ['red', 'blue'] },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
        choice: { anyOf: [{ type: 'integer' }, { type: 'boolean' }, { type: 'null' }] },
      },
      required: ['color'],
      examples: [{ color: 'red' }],
    },
  );
});

test('schemas survive Gemini → hub → Gemini', () => {
  const gemini = {
    type: 'OBJECT',
    properties: {
      city: { type: 'STRING', description: 'City name' },
      days: { type: 'INTEGER', minimum: 1, maximum: 10, nullable: true },
      units: { type: 'STRING', enum: ['C', 'F'] },
      when: { type: 'STRING', format: 'date-time' },
    },
    required: ['city'],
  };
  assert.deepEqual(toGeminiSchema(fromGeminiSchema(gemini)), gemini);
});
