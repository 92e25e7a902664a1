import fp from "fastify-plugin";

/** With sign-in, a note belongs to the user who wrote it: only they can see or change it. */
export default fp(
  async (app) => {
    app.notesOwnerOf = async (request) => (await request.user()).id;
  },
  { name: "note-owners", dependencies: ["auth", "notes"] },
);
