/** CI's dependency audit verdict (scripts/audit.mjs): high or critical findings fail; no report is said loudly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error plain JavaScript CI script without type declarations
import { auditVerdict } from '../../scripts/audit.mjs';

type Verdict = { checked: boolean; ok: boolean; message: string };
const verdict = auditVerdict as (r: unknown) => Verdict;

test('a high or critical finding fails the audit and names the package', () => {
  const v = verdict({
    auditReportVersion: 2,
    vulnerabilities: { 'bad-pkg': { severity: 'critical' }, 'meh-pkg': { severity: 'low' } },
    metadata: { vulnerabilities: { info: 0, low: 1, moderate: 0, high: 0, critical: 1, total: 2 } },
  });
  assert.equal(v.ok, false);
  assert.equal(v.checked, true);
  assert.match(v.message, /bad-pkg \(critical\)/);
  assert.doesNotMatch(v.message, /meh-pkg/);
});

test('low and moderate findings pass', () => {
  const v = verdict({ vulnerabilities: {}, metadata: { vulnerabilities: { low: 3, moderate: 2, high: 0, critical: 0, total: 5 } } });
  assert.deepEqual([v.ok, v.checked], [true, true]);
});

test('an unreachable advisory service is reported as not checked, not as a pass', () => {
  const v = verdict({ message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk', statusCode: 405 });
  assert.deepEqual([v.ok, v.checked], [true, false]);
  assert.match(v.message, /could not check.*405/);
  assert.equal(verdict(undefined).checked, false);
});
