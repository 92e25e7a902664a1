import { UserError } from "./log.js";

export interface Question {
	name: string;
	message: string;
	/** A pick list; without it the question takes text. */
	choices?: string[];
	/** Choice → one line shown beside it while it is highlighted. */
	descriptions?: Record<string, string>;
	initial?: string;
	/** Returns an error message, or undefined when the value is fine. */
	validate?: (value: string) => string | undefined | Promise<string | undefined>;
}

/** Asks the questions in order and returns answers by name. Injectable, so tests and tools need no terminal. */
export type Ask = (questions: Question[]) => Promise<Record<string, string>>;

/** Asks on the terminal with `prompts`, loaded only now: a run without a terminal never pays for it. */
export const askOnTerminal: Ask = async (questions) => {
	// prompts colours through kleur 3, which reads NODE_DISABLE_COLORS when loaded but not NO_COLOR: the terminal's
	// own answer (hasColors honours NO_COLOR and FORCE_COLOR) is passed on before the first import.
	if (!process.stdout.hasColors?.()) process.env.NODE_DISABLE_COLORS = "1";
	const { default: prompts } = await import("prompts");
	const onCancel = () => {
		throw new UserError("Cancelled; nothing was created", 130);
	};
	return prompts(
		questions.map((q) =>
			q.choices
				? {
						type: "select" as const,
						name: q.name,
						message: q.message,
						choices: q.choices.map((c) => ({ title: c, value: c, description: q.descriptions?.[c] })),
						initial: Math.max(0, q.choices.indexOf(q.initial ?? "")),
					}
				: {
						type: "text" as const,
						name: q.name,
						message: q.message,
						initial: q.initial,
						validate: async (value: string) => (await q.validate?.(value)) ?? true,
					},
		),
		{ onCancel },
	);
};
