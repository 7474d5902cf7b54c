import { randomUUID } from 'node:crypto';

/**
 * Ids the gateway invents for Responses objects (resp_/msg_/fc_/rs_) when the downstream had
 * none of its own. They carry a `gw` marker right after the prefix: OpenAI's own ids are hex,
 * so a minted id is recognisable when a client sends it back, and it is never forwarded to a
 * real Responses API (which would look it up and fail).
 */
const MARK = 'gw';
const DASHES = /-/g;

/** One random base per response; items get a counter suffix (one UUID per response, not per item). */
export class IdMinter {
  private readonly base = randomUUID().replace(DASHES, '');
  private n = 0;

  next(prefix: 'resp' | 'msg' | 'fc' | 'rs' | 'call'): string {
    return `${prefix}_${MARK}${this.base}${(this.n++).toString(16).padStart(4, '0')}`;
  }
}

export function isMintedId(id: string): boolean {
  const us = id.indexOf('_');
  return us !== -1 && id.startsWith(MARK, us + 1);
}
