import type { FastifyRequest } from "fastify";
import type { Owner } from "../notes/types.ts";

/** What every resolver gets as its context (besides mercurius's own `app` and `reply`). */
declare module "mercurius" {
  interface MercuriusContext {
    /** The owner of the caller's notes: always null, this API has no users. */
    owner(): Promise<Owner>;
  }
}

export function buildContext(_request: FastifyRequest) {
  return {
    owner: async (): Promise<Owner> => null,
  };
}
