/**
 * The engine fixture with its data left open, for the agentic runs against the emulators'
 * injection scenario: research and discover find the data, two passes with a decide stage.
 */
export const OPEN_DATA = {
  data: { datasets: undefined },
  budget: { wall_clock: "4h", llm: { tokens: 500000 }, iterations: 2 },
  sources: {
    papers: { providers: ["hf-papers", "arxiv", "semantic-scholar"], seed: ["2501.01234"] },
    datasets: { allow: ["**"], deny: ["evil/**"] },
    licenses: ["apache-2.0", "mit"],
  },
  agent: { model: "mistral-small-latest", max_steps: 8, max_tokens: 256 },
  training: { hyperparameters: { num_train_epochs: 1 }, search_space: { learning_rate: { values: [1.0e-4, 5.0e-5] } } },
};

/** The commit the injection scenario serves openscience/science-qa at. */
export const SCIENCE_QA = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
