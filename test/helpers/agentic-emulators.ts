import { afterAll, beforeAll } from "vitest";
import { startSourceEmulators, type SourceEmulators } from "../emulators/index.js";
import { startMistralEmulator, type MistralEmulator } from "../emulators/mistral/server.js";

export interface AgenticEmulators {
  /** The Hub, dataset viewer, arXiv and Semantic Scholar of one scenario. */
  sources: SourceEmulators;
  mistral: MistralEmulator;
  /** What points intern at them: the sources' variables, the Mistral URL and its key. */
  env(): Record<string, string>;
}

/**
 * Starts the source emulators of `scenario` and a Mistral emulator that takes `apiKey` before the
 * tests of the calling file or block (after `setup`, such as provisioning the job environment),
 * and closes them after.
 */
export function useAgenticEmulators(scenario: string, apiKey: string, setup?: () => Promise<void>): AgenticEmulators {
  const emulators = {
    env: () => ({ ...emulators.sources.env, MISTRAL_SERVER_URL: emulators.mistral.url, MISTRAL_API_KEY: apiKey }),
  } as AgenticEmulators;
  beforeAll(async () => {
    await setup?.();
    emulators.sources = await startSourceEmulators(scenario);
    emulators.mistral = await startMistralEmulator({ apiKey });
  }, 900_000);
  afterAll(async () => {
    await emulators.mistral?.close();
    await emulators.sources?.close();
  });
  return emulators;
}
