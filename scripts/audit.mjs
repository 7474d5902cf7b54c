#!/usr/bin/env node
// CI's dependency audit: `npm audit --omit=dev --audit-level=high`. Any high or critical
// finding in the packages that ship fails the run. When the advisory service cannot be asked
// at all (a registry mirror without the audit endpoint answers 405), it says so on stderr and
// does not fail: nothing could be checked, which is not the same as a finding.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The verdict on `npm audit --json` output: `checked` false when the service gave no report,
 * `ok` false when the report counts a high or critical vulnerability.
 */
export function auditVerdict(report) {
  const counts = report && report.metadata && report.metadata.vulnerabilities;
  if (!counts) {
    const why = (report && (report.message || (report.error && report.error.summary))) || 'no report';
    return { checked: false, ok: true, message: `npm audit could not check the dependencies: ${why}` };
  }
  const high = (counts.high ?? 0) + (counts.critical ?? 0);
  const names = Object.entries(report.vulnerabilities ?? {})
    .filter(([, v]) => v && (v.severity === 'high' || v.severity === 'critical'))
    .map(([name, v]) => `${name} (${v.severity})`);
  return high > 0
    ? { checked: true, ok: false, message: `npm audit: ${high} high or critical finding(s) in production dependencies: ${names.join(', ')}` }
    : { checked: true, ok: true, message: `npm audit: no high or critical finding in production dependencies (${counts.total ?? 0} lower ones)` };
}

function parseReport(stdout) {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['audit', '--omit=dev', '--audit-level=high', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const verdict = auditVerdict(parseReport(r.stdout ?? ''));
  (verdict.checked ? process.stdout : process.stderr).write(`${verdict.checked ? '' : 'WARNING: '}${verdict.message}\n`);
  process.exit(verdict.ok ? 0 : 1);
}
