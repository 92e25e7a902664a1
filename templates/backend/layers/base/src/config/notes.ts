import { Type } from "typebox";
import { configSection } from "../config.ts";
import { MAX_PER_OWNER_DEFAULT } from "../notes/service.ts";

declare module "../config.ts" {
  interface Config {
    /** Notes one owner may store; creating one more is a CONFLICT (409). */
    notesMaxPerOwner: number;
  }
}

/** The notes resource: how much one owner may store. */
export default configSection(
  Type.Object({
    NOTES_MAX_PER_OWNER: Type.Integer({
      minimum: 1,
      default: MAX_PER_OWNER_DEFAULT,
      description: "a positive integer (notes one owner may store)",
    }),
  }),
  (env) => ({ notesMaxPerOwner: env.NOTES_MAX_PER_OWNER }),
);
