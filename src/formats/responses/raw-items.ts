import type { Json } from './wire.js';

/**
 * Input items the hub has no place for (item_reference, web_search_call, file_search_call,
 * mcp_call, compaction ... anything Responses-specific). They only mean something to the
 * Responses API, so they ride in Request.extras under this key and are put back in place when
 * the request goes to a Responses downstream; every other encoder ignores them (it never reads
 * extras of a foreign format).
 */
export const RAW_ITEMS_KEY = '_tresor_responses_raw_items';

/** Where a raw item sat: before part `p` of hub message `m` (p = parts.length: after it). */
export interface RawItemAnchor {
  m: number;
  p: number;
  item: Json;
}

/** Extras keys that are ours, never top-level request fields. */
export function isPrivateExtrasKey(key: string): boolean {
  return key.startsWith('_tresor');
}
