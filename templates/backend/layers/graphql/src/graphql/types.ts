import type { IResolvers } from "mercurius";

/** A piece of the schema: its SDL and the resolvers of its fields. */
export interface GraphQLModule {
  typeDefs: string;
  resolvers: IResolvers;
}
