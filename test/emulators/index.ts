import { startArxivEmulator } from "./arxiv/server.js";
import { startDatasetViewerEmulator } from "./dataset-viewer/server.js";
import type { Emulator } from "./http.js";
import { startHubEmulator } from "./hub/server.js";
import { loadScenario, type Scenario } from "./scenario.js";
import { startSemanticScholarEmulator } from "./semantic-scholar/server.js";

/** The Hub (with Papers), arXiv, Semantic Scholar and the dataset viewer, serving one scenario. */
export interface SourceEmulators {
  scenario: Scenario;
  hub: Emulator;
  arxiv: Emulator;
  semanticScholar: Emulator;
  datasetViewer: Emulator;
  /** The variables that point intern at these emulators. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSourceEmulators(scenarioName: string): Promise<SourceEmulators> {
  const scenario = loadScenario(scenarioName);
  const [hub, arxiv, semanticScholar, datasetViewer] = await Promise.all([
    startHubEmulator(scenario),
    startArxivEmulator(scenario),
    startSemanticScholarEmulator(scenario),
    startDatasetViewerEmulator(scenario),
  ]);
  return {
    scenario,
    hub,
    arxiv,
    semanticScholar,
    datasetViewer,
    env: { HF_ENDPOINT: hub.url, INTERN_ARXIV_URL: arxiv.url, INTERN_SEMANTIC_SCHOLAR_URL: semanticScholar.url, INTERN_DATASETS_SERVER_URL: datasetViewer.url },
    close: async () => {
      await Promise.all([hub.close(), arxiv.close(), semanticScholar.close(), datasetViewer.close()]);
    },
  };
}
