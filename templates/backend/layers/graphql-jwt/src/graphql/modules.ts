import type { FastifyRequest } from "fastify";
import { authGraphQL } from "../auth/graphql.ts";
import type { AuthService } from "../auth/service.ts";
import { notesGraphQL } from "../notes/graphql.ts";
import type { NotesService } from "../notes/service.ts";
import { buildContext } from "./context.ts";
import type { GraphQLModule } from "./types.ts";

/** The services the GraphQL API calls. */
export interface GraphQLServices {
  notes: NotesService;
  auth: AuthService;
}

/** The schema, module by module. */
export function graphqlModules(services: GraphQLServices): GraphQLModule[] {
  return [authGraphQL(services.auth), notesGraphQL(services.notes)];
}

export function createContext(services: GraphQLServices) {
  return (request: FastifyRequest) => buildContext(request, services.auth);
}
