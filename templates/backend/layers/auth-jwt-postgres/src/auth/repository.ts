import type { Database } from "../db/client.ts";
import { and, eq, gt, isNull } from "../db/drizzle.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { refreshTokens, users } from "../db/schema/users.ts";
import { AppError } from "../errors.ts";
import type { AuthRepository } from "./types.ts";

/** Users and refresh tokens in PostgreSQL / PGlite. */
export function createAuthRepository(db: Database): AuthRepository {
  const { orm } = db;
  return {
    async createUser(user) {
      try {
        await orm.insert(users).values(user);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AppError("CONFLICT", "This email is already registered");
        }
        throw error;
      }
    },

    async findUserByEmail(email) {
      const [user] = await orm.select().from(users).where(eq(users.email, email));
      return user ?? null;
    },

    async findUserById(id) {
      const [user] = await orm
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(eq(users.id, id));
      return user ?? null;
    },

    async deleteUser(id) {
      // Their refresh tokens and notes go with them (ON DELETE CASCADE).
      const deleted = await orm.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      return deleted.length > 0;
    },

    async insertRefreshToken(token) {
      await orm.insert(refreshTokens).values(token);
    },

    async consumeRefreshToken(tokenHash, now) {
      const [row] = await orm
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(
          and(
            eq(refreshTokens.tokenHash, tokenHash),
            isNull(refreshTokens.revokedAt),
            gt(refreshTokens.expiresAt, now),
          ),
        )
        .returning({ userId: refreshTokens.userId, familyId: refreshTokens.familyId });
      if (row) return { status: "ok", ...row };
      const [used] = await orm
        .select({ familyId: refreshTokens.familyId })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, tokenHash));
      return used ? { status: "reused", familyId: used.familyId } : { status: "unknown" };
    },

    async revokeFamily(familyId, now) {
      await orm
        .update(refreshTokens)
        .set({ revokedAt: now })
        .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
    },

    async findFamily(tokenHash) {
      const [row] = await orm
        .select({ familyId: refreshTokens.familyId })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, tokenHash));
      return row?.familyId ?? null;
    },
  };
}
