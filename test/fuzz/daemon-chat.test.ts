// Generated bodies through the daemon: OpenAI Chat and Anthropic clients (see daemon-run.ts).
import { fuzzThroughDaemon } from './daemon-run.js';

fuzzThroughDaemon(['openai', 'anthropic']);
