/** The API behind the CLI: `createProject` runs the whole pipeline; the other functions are its steps. */
export { type CreateResult, type CreateSettings, createProject } from "./create.js";
export { detectPackageManager, initGit, installDependencies, type PackageManager, type Step } from "./install.js";
export type { LayerFile } from "./layers.js";
export { UserError } from "./log.js";
export { type FileAction, type MergeInput, type MergePlan, mergeProject } from "./merge.js";
export { type Answers, resolveAnswers, resolveTarget } from "./options.js";
export { type BuildResult, buildCombinations } from "./pack-build.js";
export { checkPack, findReplacedFiles, type PackCheck, type ReplacedFile } from "./pack-check.js";
export { initPack } from "./pack-init.js";
export { checkUpdatePath, type UpdatePathResult } from "./pack-update-check.js";
export {
	BUILTIN_PACK,
	type Layer,
	loadPack,
	matchesWhen,
	type Note,
	type Pack,
	type PackOption,
	type ProjectCheck,
	type When,
} from "./packs.js";
export { type Ask, askOnTerminal, type Question } from "./prompts.js";
export { type PackSource, type ProjectRecord, packHash } from "./record.js";
export { type PlanContext, type PlannedFile, planFiles } from "./render.js";
export { type UpdateResult, type UpdateSettings, updateProject } from "./update.js";
export { checkTarget, type WriteResult, type WriteSettings, writeFiles } from "./write.js";
