import { test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { renderConfigChange } from '../../src/config/writeback.js';
import { RICH_CONFIG, edited } from './rich-config.js';

/** Parsed YAML that the tests edit freely; the assertions check every result. */
type Tree = Record<string, any>;

function change(text: string, edit: (d: Tree) => void): string {
  const before = YAML.parse(text) as Tree;
  const after = structuredClone(before);
  edit(after);
  const { text: out, exact } = renderConfigChange(text, before, after);
  assert.equal(exact, true, 'the splice kept the formatting (no fallback re-render)');
  assert.deepEqual(YAML.parse(out), after, 'the new text holds exactly the new values');
  return out;
}

test('an unchanged tree leaves the text identical', () => {
  assert.equal(
    change(RICH_CONFIG, () => {}),
    RICH_CONFIG,
  );
});

test('a scalar change rewrites only that scalar, keeping the comment and spacing around it', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.log_level = 'debug';
    d.bind_addr = '127.0.0.1:11510';
  });
  assert.equal(
    out,
    edited(
      RICH_CONFIG,
      ['log_level:   info            #', 'log_level:   debug            #'],
      ['bind_addr: "127.0.0.1:0"     #', 'bind_addr: "127.0.0.1:11510"     #'],
    ),
  );
});

test('a quoted scalar keeps its quote style', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.downstreams[0].name = 'OpenAI EU';
    d.downstreams[1].name = "Anthropic's";
  });
  assert.equal(out, edited(RICH_CONFIG, ['name: "OpenAI"            #', 'name: "OpenAI EU"            #'], ["name: 'Anthropic'\n", "name: 'Anthropic''s'\n"]));
});

test('activating another option moves the single is_active: true line', () => {
  const out = change(RICH_CONFIG, (d) => {
    delete d.aliases[0].options[0].is_active;
    d.aliases[0].options[1].is_active = true;
  });
  assert.equal(
    out,
    edited(
      RICH_CONFIG,
      ['        output_model_id: gpt-4o\n        is_active: true\n', '        output_model_id: gpt-4o\n'],
      ['        output_model_id: claude-sonnet-4-20250514\n\n', '        output_model_id: claude-sonnet-4-20250514\n        is_active: true\n\n'],
    ),
  );
});

test('activating inside a flow mapping rewrites only that mapping', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.aliases[1].options[0].is_active = true;
  });
  assert.equal(
    out,
    edited(RICH_CONFIG, [
      '{id: alias-claude-any, downstream_id: anthropic, output_model_id: claude-sonnet-4-20250514}',
      '{id: alias-claude-any, downstream_id: anthropic, output_model_id: claude-sonnet-4-20250514, is_active: true}',
    ]),
  );
});

test('model ids are appended to block lists and flow lists in their own style', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.downstreams[0].output_model_ids.push('gpt-4.1');
    d.downstreams[1].output_model_ids.push('claude-opus-4');
  });
  assert.equal(
    out,
    edited(
      RICH_CONFIG,
      ["      - 'gpt-4o-mini'\n", "      - 'gpt-4o-mini'\n      - gpt-4.1\n"],
      ['output_model_ids: [claude-sonnet-4-20250514]', 'output_model_ids: [claude-sonnet-4-20250514, claude-opus-4]'],
    ),
  );
});

test('removing from a block list deletes that line; from a padded flow list keeps the others as written', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.downstreams[0].output_model_ids = ['gpt-4o-mini'];
    d.proxy_api_keys = ['${PROXY_KEY}'];
  });
  assert.equal(
    out,
    edited(
      RICH_CONFIG,
      ['      - gpt-4o          # block list\n', ''],
      [`[ "\${PROXY_KEY}", 'sk-proxy-literal-0001' ]   # flow, padded`, `[ "\${PROXY_KEY}" ]   # flow, padded`],
    ),
  );
});

test('${ENV} references stay unless replaced; a literal replaces the reference', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.downstreams[0].api_key = 'sk-literal-new-key-5678';
  });
  assert.equal(out, edited(RICH_CONFIG, ['api_key: ${OPENAI_API_KEY}', 'api_key: sk-literal-new-key-5678']));
  assert.ok(out.includes('"${PROXY_KEY}"'));
});

test("a new downstream is appended after the last one, in the list's spacing style", () => {
  const out = change(RICH_CONFIG, (d) => {
    d.downstreams.push({
      id: 'gemini',
      api_formats: ['gemini'],
      base_url: 'https://generativelanguage.googleapis.com',
      api_key: '${GEMINI_KEY}',
      output_model_ids: ['gemini-2.5-pro'],
    });
  });
  assert.equal(
    out,
    edited(RICH_CONFIG, [
      '    output_model_ids: [claude-sonnet-4-20250514]\n\nrules:',
      [
        '    output_model_ids: [claude-sonnet-4-20250514]',
        '',
        '  - id: gemini',
        '    api_formats: [gemini]',
        '    base_url: https://generativelanguage.googleapis.com',
        '    api_key: ${GEMINI_KEY}',
        '    output_model_ids: [gemini-2.5-pro]',
        '',
        'rules:',
      ].join('\n'),
    ]),
  );
});

test('deleting a list entry takes its lines and the blank lines that separated it', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.downstreams.splice(1, 1);
    d.aliases.splice(1, 1);
  });
  const anthropicBlock = RICH_CONFIG.slice(RICH_CONFIG.indexOf("      - 'gpt-4o-mini'\n") + "      - 'gpt-4o-mini'\n".length, RICH_CONFIG.indexOf('\nrules:'));
  const regexGroup = RICH_CONFIG.slice(
    RICH_CONFIG.indexOf('        output_model_id: claude-sonnet-4-20250514\n\n') + 50,
    RICH_CONFIG.indexOf('# trailing comment'),
  );
  assert.ok(anthropicBlock.startsWith('\n\n  - id: anthropic'));
  assert.ok(regexGroup.startsWith('\n  - input_model_id: "claude-.*"'));
  assert.equal(out, edited(RICH_CONFIG, [anthropicBlock, ''], [regexGroup, '']));
});

test('deleting the first entry takes the comment right above it', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.downstreams.splice(0, 1);
  });
  const first = RICH_CONFIG.slice(RICH_CONFIG.indexOf('  # The main account.'), RICH_CONFIG.indexOf('  - id: anthropic'));
  assert.equal(out, edited(RICH_CONFIG, [first, '']));
});

test('reordering groups moves their blocks, comments included, and keeps the separators', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.aliases.reverse();
  });
  const start = RICH_CONFIG.indexOf('  - input_model_id: gpt-4o');
  const mid = RICH_CONFIG.indexOf('\n  - input_model_id: "claude-.*"');
  const end = RICH_CONFIG.indexOf('# trailing comment');
  const first = RICH_CONFIG.slice(start, mid); // ends with the option's line, blank line follows
  const second = RICH_CONFIG.slice(mid + 1, end);
  assert.equal(out, RICH_CONFIG.slice(0, start) + second + '\n' + first.replace(/\n$/, '') + '\n' + RICH_CONFIG.slice(end));
  assert.deepEqual(
    (YAML.parse(out) as Tree).aliases.map((g: Tree) => g.input_model_id),
    ['claude-.*', 'gpt-4o'],
  );
});

test('new settings go after the last plain setting; a removed one takes only its own line', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.admin_password = 'change-me';
    d.retry_on_empty = true;
    delete d.db_path;
  });
  assert.equal(
    out,
    edited(
      RICH_CONFIG,
      ["db_path: ':memory:'\n", ''],
      ['capture_payloads: false\n', 'capture_payloads: false\nadmin_password: change-me\nretry_on_empty: true\n'],
    ),
  );
});

test('a new rule with a pipeline is rendered as a block entry', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.rules.push({ id: 'headers', pattern_path: '/v1/*', pipeline_config: [{ plugin_id: 'custom_header', config: { headers: { 'x-team': 'a' } } }] });
  });
  assert.equal(
    out,
    edited(RICH_CONFIG, [
      '    is_enabled: true\n',
      [
        '    is_enabled: true',
        '  - id: headers',
        '    pattern_path: /v1/*',
        '    pipeline_config:',
        '      - plugin_id: custom_header',
        '        config:',
        '          headers:',
        '            x-team: a',
        '',
      ].join('\n'),
    ]),
  );
});

test('emptying a list writes [] and keeps the comment on its key line', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.aliases = [];
  });
  const start = RICH_CONFIG.indexOf('aliases:');
  const end = RICH_CONFIG.indexOf('# trailing comment');
  assert.equal(out, RICH_CONFIG.slice(0, start) + 'aliases: []                       # groups, in display order\n' + RICH_CONFIG.slice(end));
});

test('filling an empty flow list with entries turns it into a block list', () => {
  const text = 'log_level: info\ndownstreams: []   # none yet\nrules: []\n';
  const out = change(text, (d) => {
    d.downstreams.push({ id: 'a', api_formats: ['openai'], base_url: 'http://x', output_model_ids: [] });
  });
  assert.equal(
    out,
    'log_level: info\ndownstreams:   # none yet\n  - id: a\n    api_formats: [openai]\n    base_url: http://x\n    output_model_ids: []\nrules: []\n',
  );
});

test('values that need quoting get quoted; flow lists quote flow indicators', () => {
  const out = change('a: 1\nlist: [x]\n', (d) => {
    d.b = 'true';
    d.c = 'has: colon';
    d.list.push('with, comma', '${ENV}');
  });
  assert.equal(out, 'a: 1\nb: "true"\nc: "has: colon"\nlist: [x, "with, comma", "${ENV}"]\n');
});

test('a renamed entry is edited in place, not deleted and re-added', () => {
  const out = change(RICH_CONFIG, (d) => {
    d.aliases[1].input_model_id = 'claude-3.*';
  });
  assert.equal(out, edited(RICH_CONFIG, ['input_model_id: "claude-.*"', 'input_model_id: "claude-3.*"']));
});

test('CRLF files stay CRLF', () => {
  const text = 'a: 1\r\nlist:\r\n  - x\r\n';
  const out = change(text, (d) => {
    d.list.push('y');
    d.b = 2;
  });
  assert.equal(out, 'a: 1\r\nb: 2\r\nlist:\r\n  - x\r\n  - y\r\n');
});

test('a file without a final newline still takes appended entries', () => {
  const out = change('list:\n  - x', (d) => {
    d.list.push('y');
  });
  assert.deepEqual(YAML.parse(out), { list: ['x', 'y'] });
});

test('anchors fall back to a Document re-render that still keeps comments', () => {
  const text = '# keep me\nbase: &b {x: 1}\nother: *b\nv: 1 # trailing\n';
  const before = YAML.parse(text) as Tree;
  const after = structuredClone(before);
  after.base = { x: 2 };
  const { text: out } = renderConfigChange(text, before, after);
  assert.deepEqual(YAML.parse(out), after);
  assert.ok(out.includes('# keep me'));
  assert.ok(out.includes('# trailing'));
});

test('a sequence of changes keeps every untouched line, and reparses to the same state', () => {
  let text = RICH_CONFIG;
  text = change(text, (d) => {
    d.downstreams[0].output_model_ids.push('gpt-4.1');
  });
  text = change(text, (d) => {
    delete d.aliases[0].options[0].is_active;
    d.aliases[0].options[1].is_active = true;
  });
  text = change(text, (d) => {
    d.rules[0].is_enabled = false;
  });
  text = change(text, (d) => {
    d.log_level = 'warn';
  });
  const expected = edited(
    RICH_CONFIG,
    ["      - 'gpt-4o-mini'\n", "      - 'gpt-4o-mini'\n      - gpt-4.1\n"],
    ['        output_model_id: gpt-4o\n        is_active: true\n', '        output_model_id: gpt-4o\n'],
    ['        output_model_id: claude-sonnet-4-20250514\n\n', '        output_model_id: claude-sonnet-4-20250514\n        is_active: true\n\n'],
    ['    is_enabled: true\n', '    is_enabled: false\n'],
    ['log_level:   info  ', 'log_level:   warn  '],
  );
  assert.equal(text, expected);
});

test('a setting the file shows commented out is added right below that comment', () => {
  const text =
    '# Protects the admin API.\n# admin_password: "change-me"\n\nlog_level: info\ndownstreams:\n  - id: a\n# admin_password: inside a list, ignored\n  - id: b\n';
  const out = change(text, (d) => {
    d.admin_password = 'secret-pw';
  });
  assert.equal(
    out,
    '# Protects the admin API.\n# admin_password: "change-me"\nadmin_password: secret-pw\n\nlog_level: info\ndownstreams:\n  - id: a\n# admin_password: inside a list, ignored\n  - id: b\n',
  );
  const inList = change('log_level: info\ndownstreams:\n  - id: a\n# metrics_token: x\n  - id: b\n', (d) => {
    d.metrics_token = 't';
  });
  assert.equal(inList, 'log_level: info\nmetrics_token: t\ndownstreams:\n  - id: a\n# metrics_token: x\n  - id: b\n');
});
