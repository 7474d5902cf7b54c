import type { z } from 'zod';
import type { FormatId, Request, Response, StreamEvent } from '../ir/types.js';

/** What a plugin can see about the request it runs on. */
export interface PluginContext {
  readonly clientFormat: FormatId;
  readonly downstreamFormat: FormatId;
  readonly downstreamId: string;
  /** The model the client asked for. */
  readonly model: string;
  readonly path: string;
  /** The hub request as sent (after request plugins), when the traffic was decoded. */
  readonly request?: Request;
}

/**
 * A configured plugin in a pipeline. All hooks are optional. One instance serves every
 * request its pipeline serves, concurrently (pipelines are cached per config): state that
 * belongs to one request is keyed by its PluginContext, which is one object per request.
 */
export interface PluginInstance {
  /** Before the request is sent: may edit the outgoing headers (runs on pass-through traffic too). */
  headers?(headers: Record<string, string>, ctx: PluginContext): void;
  /** Before the request is sent: may edit the hub request. */
  request?(req: Request, ctx: PluginContext): void;
  /** A buffered response, before it is encoded for the client. */
  response?(res: Response, ctx: PluginContext): void;
  /** A stream, event by event. Return the events to pass on (none drops it). */
  streamEvent?(event: StreamEvent, ctx: PluginContext): StreamEvent | StreamEvent[] | null;
}

export interface PluginDefinition<C = Record<string, unknown>> {
  readonly id: string;
  readonly description: string;
  readonly configSchema: z.ZodType<C>;
  /** Converters define the conversion between two formats; transforms edit content. */
  readonly kind: 'converter' | 'transform';
  readonly from?: FormatId;
  readonly to?: FormatId;
  /**
   * Whether the plugin needs the request/response decoded into the hub. A pipeline made
   * only of plugins that don't (e.g. custom_header) keeps same-format traffic as raw bytes.
   */
  readonly touchesBody: boolean;
  create(config: C): PluginInstance;
}
