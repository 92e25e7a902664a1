import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { createNotesRepository } from "../notes/repository.ts";
import { NotesService } from "../notes/service.ts";
import type { Owner } from "../notes/types.ts";

declare module "fastify" {
  interface FastifyInstance {
    notes: NotesService;
    /**
     * Whose notes a request reads and writes. Here: null, notes are shared by every caller; a
     * plugin that knows the caller (sign-in) replaces it.
     */
    notesOwnerOf(request: FastifyRequest): Promise<Owner>;
  }
}

/** The notes service on `app.notes`, over the database's notes repository. */
export default fp(
  async (app) => {
    const repository = createNotesRepository(app.db);
    app.decorate(
      "notes",
      new NotesService(repository, { maxPerOwner: app.config.notesMaxPerOwner }),
    );
    app.decorate("notesOwnerOf", async (_request: FastifyRequest): Promise<Owner> => null);
  },
  { name: "notes", dependencies: ["database"] },
);
