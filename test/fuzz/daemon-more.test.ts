// Generated bodies through the daemon: OpenAI Responses and Gemini clients (see daemon-run.ts).
import { fuzzThroughDaemon } from './daemon-run.js';

fuzzThroughDaemon(['openai_responses', 'gemini']);
