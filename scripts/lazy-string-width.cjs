// Bundled in place of every `import stringWidth from "string-width"` (see lazyStringWidth in build.mjs): the real
// module is required, and so evaluated, on the first call only. yargs calls it only to lay out --help.
let stringWidth;

module.exports = function lazyStringWidth(text, options) {
	stringWidth ??= require("string-width").default;
	return stringWidth(text, options);
};
