import type { PluginRegistry } from './registry.js';
import { converterPlugins } from './builtin/converters.js';
import { customHeaderPlugin } from './builtin/custom-header.js';
import { fixAnthropicImagesPlugin } from './builtin/fix-anthropic-images.js';
import { fixAnthropicUsagePlugin } from './builtin/fix-anthropic-usage.js';
import { removeThinkingPlugin } from './builtin/remove-thinking.js';
import { breakRepeatPlugin } from './builtin/break-repeat.js';

export function registerBuiltinPlugins(registry: PluginRegistry): void {
  for (const c of converterPlugins()) registry.register(c);
  registry.register(customHeaderPlugin);
  registry.register(fixAnthropicImagesPlugin);
  registry.register(fixAnthropicUsagePlugin);
  registry.register(removeThinkingPlugin);
  registry.register(breakRepeatPlugin);
}
