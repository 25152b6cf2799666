/**
 * The sources the agentic stages may use, each a typed function with JSON-serialisable results,
 * each through the recipe's source policy where it touches a dataset or model.
 */
export { DEFAULT_ENDPOINTS, ENDPOINT_VARIABLES, hubToken, resolveEndpoints, type Endpoints } from "./endpoints.js";
export { createSourceContext, type Service, type SourceContext, type SourceContextOptions } from "./context.js";
export { DEFAULT_HTTP_POLICY, type HttpPolicy } from "./http.js";
export {
  assertAllowed,
  benchmarkReadPolicy,
  checkDataset,
  checkModel,
  createSourcePolicy,
  filterAllowed,
  idRefusal,
  refusalOf,
  SourceRefusedError,
  type PolicySubject,
  type Refusal,
  type SourcePolicy,
  type Verdict,
} from "./policy.js";
export {
  datasetInfo,
  hubTokenOwner,
  linkedToPaper,
  listDatasetFiles,
  modelInfo,
  searchDatasets,
  searchModels,
  type Filtered,
  type HubFile,
  type HubRepoInfo,
  type HubRepoSummary,
  type InfoOptions,
  type SearchOptions,
} from "./hub.js";
export { chooseDataFiles, isDataFile, pathGlob, type DataFileChoice } from "./data-files.js";
export { downloadDataset, type DatasetDownload, type DatasetManifest, type DownloadedFile, type DownloadProgress, type DownloadRequest } from "./download.js";
export { viewerFirstRows, viewerInfo, viewerSplits, type ViewerColumn, type ViewerInfo, type ViewerRows, type ViewerSplit } from "./dataset-viewer.js";
export { isArxivId, stripVersion, type PaperSummary } from "./paper.js";
export { hfPaper, searchHfPapers } from "./hf-papers.js";
export { parseArxivAtom, queryArxiv, readPaperText, type ArxivQuery, type PaperText } from "./arxiv.js";
export { paperCitations, paperReferences, type LinkedPaper } from "./semantic-scholar.js";
export { htmlToText, truncateText } from "./html-text.js";
