/** The API behind the CLI: `createProject` runs the whole pipeline; the other functions are its steps. */
export { type CreateOptions, type CreateResult, createProject } from "./create.js";
export { detectPackageManager, initGit, installDependencies, type PackageManager, type Step } from "./install.js";
export { UserError } from "./log.js";
export { type Answers, resolveAnswers, resolveTarget } from "./options.js";
export { checkPack, initPack, type PackCheck } from "./pack-commands.js";
export { BUILTIN_PACK, type Layer, loadPack, matchesWhen, type Pack, type PackOption, type When } from "./packs.js";
export { type Ask, askOnTerminal, type Question } from "./prompts.js";
export { type PlanContext, type PlannedFile, planFiles } from "./render.js";
export { checkTarget, type WriteOptions, type WriteResult, writeFiles } from "./write.js";
