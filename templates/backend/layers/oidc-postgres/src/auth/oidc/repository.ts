import { randomUUID } from "node:crypto";
import type { Database } from "../../db/client.ts";
import { and, eq, lt } from "../../db/drizzle.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { oidcIdentities, oidcLoginCodes } from "../../db/schema/oidc.ts";
import { users } from "../../db/schema/users.ts";
import type { OidcRepository } from "./types.ts";

/** Provider identities and one-time login codes in PostgreSQL / PGlite. */
export function createOidcRepository(db: Database): OidcRepository {
  const { orm } = db;
  const account = { id: users.id, email: users.email };
  return {
    async findUserByIdentity(issuer, subject) {
      const [user] = await orm
        .select(account)
        .from(oidcIdentities)
        .innerJoin(users, eq(users.id, oidcIdentities.userId))
        .where(and(eq(oidcIdentities.issuer, issuer), eq(oidcIdentities.subject, subject)));
      return user ?? null;
    },

    async findUserByEmail(email) {
      const [user] = await orm.select(account).from(users).where(eq(users.email, email));
      return user ?? null;
    },

    async createUserWithIdentity(user, identity) {
      try {
        await orm.transaction(async (tx) => {
          await tx.insert(users).values(user);
          await tx.insert(oidcIdentities).values({
            id: randomUUID(),
            issuer: identity.issuer,
            subject: identity.subject,
            userId: user.id,
            createdAt: user.createdAt,
          });
        });
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
      return { id: user.id, email: user.email };
    },

    async linkIdentity(userId, identity, now) {
      const rows = await orm
        .insert(oidcIdentities)
        .values({
          id: randomUUID(),
          issuer: identity.issuer,
          subject: identity.subject,
          userId,
          createdAt: now,
        })
        .onConflictDoNothing()
        .returning({ userId: oidcIdentities.userId });
      return rows.length === 1;
    },

    async saveLoginCode(codeHash, userId, expiresAt) {
      await orm.delete(oidcLoginCodes).where(lt(oidcLoginCodes.expiresAt, new Date()));
      await orm.insert(oidcLoginCodes).values({ codeHash, userId, expiresAt });
    },

    async consumeLoginCode(codeHash, now) {
      // Deleted whether or not it expired: a code is tried once.
      const [row] = await orm
        .delete(oidcLoginCodes)
        .where(eq(oidcLoginCodes.codeHash, codeHash))
        .returning({ userId: oidcLoginCodes.userId, expiresAt: oidcLoginCodes.expiresAt });
      return row && row.expiresAt > now ? row.userId : null;
    },
  };
}
