import type { FastifyRequest } from "fastify";
import { notesGraphQL } from "../notes/graphql.ts";
import type { NotesService } from "../notes/service.ts";
import { buildContext } from "./context.ts";
import type { GraphQLModule } from "./types.ts";

/** The services the GraphQL API calls. */
export interface GraphQLServices {
  notes: NotesService;
}

/** The schema, module by module. */
export function graphqlModules(services: GraphQLServices): GraphQLModule[] {
  return [notesGraphQL(services.notes)];
}

export function createContext(_services: GraphQLServices) {
  return (request: FastifyRequest) => buildContext(request);
}
