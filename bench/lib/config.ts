/** The daemon config the benchmark generates: one downstream per wire format and stream profile. */
import { SHORT, WIRES, type Wire } from './wire.js';

/** Stream profiles, selected by the mock's path prefix. */
export const PROFILES = {
  /** Instant: 20 chunks written at once. */
  fast: '',
  /** 20 chunks 1 ms apart: the first token leaves the mock 1 ms after the headers. */
  ttft: '/c20/d1',
  /** 20 chunks, one every 50 ms (issue 7's slow streams). */
  slow: '/c20/d50',
} as const;
export type Profile = keyof typeof PROFILES;

/** The model that routes to `wire`'s mock downstream with `profile`. */
export function benchModel(wire: Wire, profile: Profile = 'fast'): string {
  return profile === 'fast' ? `bench-${SHORT[wire]}` : `bench-${SHORT[wire]}-${profile}`;
}

export interface ConfigOptions {
  port: number;
  mockPort: number;
  dbPath: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  capturePayloads: boolean;
}

/** JSON is valid YAML: the config loader reads it as is. */
export function benchConfig(o: ConfigOptions): string {
  const downstreams = [];
  for (const wire of WIRES) {
    for (const [profile, prefix] of Object.entries(PROFILES) as [Profile, string][]) {
      downstreams.push({
        id: `mock-${SHORT[wire]}-${profile}`,
        name: `Mock ${wire} (${profile})`,
        api_formats: [wire],
        base_url: `http://127.0.0.1:${o.mockPort}${prefix}`,
        api_key: 'sk-bench-downstream-key-0000',
        output_model_ids: [benchModel(wire, profile)],
      });
    }
  }
  return JSON.stringify(
    {
      bind_addr: `127.0.0.1:${o.port}`,
      db_path: o.dbPath,
      log_level: o.logLevel,
      capture_payloads: o.capturePayloads,
      proxy_mode: 'none',
      downstreams,
      rules: [],
      aliases: [],
    },
    null,
    2,
  );
}
